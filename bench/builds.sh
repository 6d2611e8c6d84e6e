#!/usr/bin/env bash
# Cold, no-op and one-line-change builds of the example handler for x86_64
# and arm64, as backend-ctl builds it (plain cargo on this x86_64 Linux host,
# cargo zigbuild for aarch64 with glibc pinned to 2.34) and as cargo-lambda
# 1.9.2 builds it (`cargo lambda build --release [--arm64]`), side by side in
# one run, each in a target folder of its own; zip sizes at deflate level 9.
# Prints Markdown rows. Takes a few minutes (four cold builds).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup-venv.sh"
"$root/scripts/setup-tools.sh"
export PATH="$root/.venv/bin:$PATH"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$root/handler" "$work/handler"
rm -rf "$work/handler/target"
cd "$work/handler"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
zipped() { python3 -c 'import io, sys, zipfile
b = io.BytesIO(); z = zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED, compresslevel=9)
z.write(sys.argv[1], "bootstrap"); z.close(); print(f"{len(b.getvalue()) // 1024} KB")' "$1"; }
edit() { sed -i "s/Hello[0-9]*, /Hello$1, /" src/main.rs; }

row() { # name, build command..., binary
    local name="$1" bin="$2"; shift 2
    local t cold noop change
    t=$(now); "$@" >/dev/null 2>&1; cold=$(since "$t")
    t=$(now); "$@" >/dev/null 2>&1; noop=$(since "$t")
    edit "$RANDOM"
    t=$(now); "$@" >/dev/null 2>&1; change=$(since "$t")
    echo "| $name | $cold | $noop | $change | $(zipped "$bin") |"
}

echo "| build | cold | no-op | one-line change | zip |"
echo "|---|---|---|---|---|"
export CARGO_TARGET_DIR="$work/ours"
row "backend-ctl, x86_64 (cargo build --profile lambda)" "$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/lambda/bootstrap" \
    cargo build --profile lambda --target x86_64-unknown-linux-gnu --bin bootstrap
row "backend-ctl, arm64 (cargo zigbuild --profile lambda, glibc 2.34)" "$CARGO_TARGET_DIR/aarch64-unknown-linux-gnu/lambda/bootstrap" \
    cargo zigbuild --profile lambda --target aarch64-unknown-linux-gnu.2.34 --bin bootstrap
export CARGO_TARGET_DIR="$work/peer"
row "cargo-lambda 1.9.2, x86_64 (cargo lambda build --release)" "$CARGO_TARGET_DIR/lambda/bootstrap/bootstrap" \
    cargo lambda build --release
row "cargo-lambda 1.9.2, arm64 (cargo lambda build --release --arm64)" "$CARGO_TARGET_DIR/lambda/bootstrap/bootstrap" \
    cargo lambda build --release --arm64
