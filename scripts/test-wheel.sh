#!/usr/bin/env bash
# The wheel as a user installs it: built by maturin from the crate
# (pyproject.toml: bindings = "bin"), installed into a fresh virtual
# environment with nothing else, which must put backend-ctl on PATH and
# bring ziglang and cargo-zigbuild; then, with only that environment, cargo
# and the system on PATH: `--version`, `doctor`, and the main job against
# the local emulator (`init`, `up` built with the wheel's zig, `invoke`,
# `teardown`).
#
#   scripts/test-wheel.sh                 # a debug wheel (test.sh: its build is reused)
#   WHEEL_PROFILE=release scripts/test-wheel.sh
#
# Here the wheel is tagged plain `linux` (no manylinux audit): the release
# workflow builds the published ones with `--zig` for manylinux2014.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup-venv.sh"

work="$(mktemp -d)"
cleanup() {
    local status=$?
    if [[ -n "${stack_config:-}" && -n "${AWS_ENDPOINT_URL:-}" ]]; then
        "$work/venv/bin/backend-ctl" --config "$stack_config" teardown --yes >/dev/null 2>&1 || true
    fi
    if [[ -n "${emulator_pid:-}" ]]; then kill "$emulator_pid" 2>/dev/null || true; fi
    rm -rf "$work" "${emulator_out:-}"
    exit "$status"
}
trap cleanup EXIT

profile=()
[[ "${WHEEL_PROFILE:-dev}" == release ]] && profile=(--release)
echo "==> maturin build ${profile[*]:-(debug)}" >&2
"$root/.venv/bin/maturin" build --quiet "${profile[@]}" --compatibility linux --out "$work/dist" >&2
wheel="$(ls "$work"/dist/backend_ctl-*.whl)"
echo "    $(basename "$wheel"): $(du -k "$wheel" | cut -f1) KB" >&2

echo "==> a fresh virtual environment, and pip install of the wheel alone" >&2
python3 -m venv "$work/venv"
start=$(date +%s.%N)
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "$wheel"
# What a user's shell has: the environment, Rust, the system; not this
# repository's .venv, whose zig and cargo-zigbuild would hide missing ones.
export PATH="$work/venv/bin:${CARGO_HOME:-$HOME/.cargo}/bin:/usr/local/bin:/usr/bin:/bin"
unset CARGO_ZIGBUILD_PYTHON_PATH CARGO_ZIGBUILD_ZIG_PATH
version="$(backend-ctl --version)"
end=$(date +%s.%N)
echo "    pip install -> first --version: $(python3 -c "print(f'{$end - $start:.1f}')") s ($version)" >&2
expected="backend-ctl $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
[[ "$version" == "$expected" ]] || { echo "test-wheel: --version says '$version', not '$expected'" >&2; exit 1; }
[[ "$(command -v backend-ctl)" == "$work/venv/bin/backend-ctl" ]] || { echo "test-wheel: backend-ctl is not the wheel's" >&2; exit 1; }
for tool in cargo-zigbuild python-zig; do
    [[ -x "$work/venv/bin/$tool" ]] || { echo "test-wheel: the wheel did not bring $tool" >&2; exit 1; }
done

# shellcheck source=emulator-env.sh
source "$root/scripts/emulator-env.sh"
trap cleanup EXIT  # emulator-env.sh set its own

echo "==> backend-ctl init, then up with the wheel's zig" >&2
app="$work/app"
mkdir -p "$app"
(cd "$app" && backend-ctl init --name wheeltest >&2)
stack_config="$app/config.toml"
sed -i 's/^\[handler\]$/[handler]\nlinker = "zig"/' "$stack_config"
grep -q '^linker = "zig"' "$stack_config" || { echo "test-wheel: init's config has no [handler]" >&2; exit 1; }
echo "==> backend-ctl doctor (the wheel's cargo-zigbuild and zig)" >&2
doctor="$(backend-ctl --config "$stack_config" --output json doctor)"
python3 - "$doctor" "$work/venv/bin" <<'PY'
import json, sys
report, venv = json.loads(sys.argv[1]), sys.argv[2]
checks = {c["check"]: c for c in report["checks"]}
assert report["ok"], report
assert venv in checks["cargo-zigbuild"]["found"] or "cargo-zigbuild" in checks["cargo-zigbuild"]["found"], checks
assert "ziglang" in checks["zig"]["found"], checks
PY
# The handler's dependencies, built once for every handler the tests make.
export CARGO_TARGET_DIR="$root/handler/target"
backend-ctl --config "$stack_config" up --yes >&2
answer="$(backend-ctl --config "$stack_config" invoke --payload '{"firstName": "Ada", "lastName": "Lovelace"}')"
echo "    invoke: $answer" >&2
[[ "$answer" == *"Hello, Ada Lovelace."* ]] || { echo "test-wheel: unexpected answer" >&2; exit 1; }
backend-ctl --config "$stack_config" teardown --yes >&2
stack_config=""
echo "==> the wheel works: installed alone, it deployed, answered and tore down" >&2
