#!/usr/bin/env bash
# The benchmarks, against the local emulator, each side by side with a peer:
# examples/bench.rs (API calls and sequential round trips, against the AWS CLI
# baseline script) and examples/bench_loop.rs (edit -> live against
# cargo-lambda, dev's save -> serving, the wait once IAM is ready). Release
# build; prints Markdown. `--quick`: one round of each; `--debug`: debug build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup-venv.sh"
bin="$root/target/release/backend-ctl"
if [[ " $* " == *" --debug "* ]]; then
    bin="$root/target/debug/backend-ctl"
    cargo build --quiet
else
    cargo build --release --quiet
fi
cargo build --quiet --example bench --example bench_loop
args=()
for a in "$@"; do [[ "$a" == "--debug" ]] || args+=("$a"); done
"$root/target/debug/examples/bench" --bin "$bin" "${args[@]}"
echo
"$root/target/debug/examples/bench_loop" --bin "$bin" "${args[@]}"
