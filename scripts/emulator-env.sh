# Sourced by the scripts: starts the local AWS emulator in the background and
# points the AWS SDK at it with dummy credentials. The emulator stops when the
# sourcing script exits.
root="${root:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
"$root/scripts/setup-venv.sh"
emulator_out="$(mktemp)"
"$root/.venv/bin/python" "$root/emulator/launch.py" --no-stdin-watch >"$emulator_out" &
emulator_pid=$!
trap 'kill "$emulator_pid" 2>/dev/null; rm -f "$emulator_out"' EXIT
for _ in $(seq 1 100); do
    [[ -s "$emulator_out" ]] && break
    kill -0 "$emulator_pid" 2>/dev/null || { echo "the emulator did not start" >&2; exit 1; }
    sleep 0.1
done
AWS_ENDPOINT_URL="$(head -n 1 "$emulator_out")"
export AWS_ENDPOINT_URL
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
echo "emulator: $AWS_ENDPOINT_URL" >&2
