#!/usr/bin/env bash
# The benchmark (examples/bench.rs): backend-ctl (release build) against the
# local emulator behind a latency-adding proxy, side by side with the AWS CLI
# baseline script. Prints a Markdown report. `--quick`: one repetition.
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
cargo build --quiet --example bench
args=()
for a in "$@"; do [[ "$a" == "--debug" ]] || args+=("$a"); done
exec "$root/target/debug/examples/bench" --bin "$bin" "${args[@]}"
