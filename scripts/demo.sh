#!/usr/bin/env bash
# The main job against the local AWS emulator, as a new user runs it:
# up, then the app's path (Cognito credentials -> Lambda Invoke, which the
# emulator runs for real), the function's log lines, then teardown.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if ! command -v mvn >/dev/null || ! command -v java >/dev/null; then
    echo "scripts/demo.sh runs the app's Kotlin client too: it needs JDK 17 and Maven (Debian: apt-get install openjdk-17-jdk-headless maven)" >&2
    exit 1
fi

echo "==> building backend-ctl (cargo build --release)" >&2
cargo build --release --quiet
bin="$root/target/release/backend-ctl"

# Lambda retries a failed Event call after 1 and 2 minutes; the demo's
# emulator waits 1 and 2 seconds (the retries still happen).
export BACKEND_CTL_EMULATOR_EVENT_RETRY_SECONDS=1
# shellcheck source=emulator-env.sh
source "$root/scripts/emulator-env.sh"

# Waits until `backend-ctl failed` lists $1 events (Lambda sends the record
# to the queue a moment after it gives up).
wait_failed() {
    for _ in $(seq 1 100); do
        listed="$("$bin" failed --output json | grep -c '"condition"' || true)"
        [[ "$listed" -ge "$1" ]] && return 0
        sleep 0.2
    done
    echo "backend-ctl failed never listed $1 events" >&2
    exit 1
}

echo "==> backend-ctl up --yes" >&2
"$bin" up --yes

echo "==> the generated android/app/src/main/res/raw/awsconfiguration.json" >&2
cat android/app/src/main/res/raw/awsconfiguration.json

event='{"firstName": "Ada", "lastName": "Lovelace"}'
echo "==> the app's path: backend-ctl invoke --logs (Cognito GetId -> GetCredentialsForIdentity -> Invoke with those credentials)" >&2
echo "    (the emulator's Lambda runs the uploaded bootstrap; --logs prints the invocation's log tail on stderr)" >&2
"$bin" invoke --logs --payload "$event"

echo "==> the app's own client: the Kotlin client that init writes into the app (clients/kotlin, AWS SDK for Kotlin, JVM)" >&2
echo "    (unsigned GetId and GetCredentialsForIdentity, then Invoke signed with that identity's credentials; the emulator checks the signature and the role's policy)" >&2
BACKEND_CTL_APP_CONFIG="$root/android/app/src/main/res/raw/awsconfiguration.json" \
    mvn -B -q -ntp -Dstyle.color=never -f clients/kotlin test \
    -Dtest='BackendStackTest#greets*' -Dsurefire.failIfNoSpecifiedTests=false

echo "==> the function's log lines: backend-ctl logs" >&2
"$bin" logs --since 5m

echo "==> the real handler, run locally: backend-ctl invoke --local" >&2
"$bin" invoke --local --payload "$event"

echo "==> backend-ctl update-code (unchanged code: nothing is uploaded, nothing published)" >&2
"$bin" update-code

echo "==> a bad release: a copy of the handler with a one-line bug (the names swapped), released by update-code" >&2
bad="$(mktemp -d)"
trap 'kill "$emulator_pid" 2>/dev/null; rm -f "$emulator_out"; rm -rf "$bad"' EXIT
mkdir -p "$bad/handler"
cp -r handler/Cargo.toml handler/Cargo.lock handler/src "$bad/handler/"
sed -i 's/Hello, {first} {last}\./Hello, {last} {first}./' "$bad/handler/src/main.rs"
# A package name of its own: it builds in the handler's target folder (only
# the copy recompiles), and cargo tells two packages of one name apart there
# by file times alone, so the same name would leave the bad build looking
# fresh to the next build of handler/.
sed -i 's/^name = "greeter"$/name = "greeter-bad-release"/' "$bad/handler/Cargo.toml" "$bad/handler/Cargo.lock"
cp config.toml "$bad/config.toml"
CARGO_TARGET_DIR="$root/handler/target" "$bin" --config "$bad/config.toml" update-code
"$bin" versions
echo "==> the app now gets the bad answer" >&2
"$bin" invoke --payload "$event"
echo "==> backend-ctl rollback: the alias back to the version before, in one write" >&2
"$bin" rollback
echo "==> the app's path again: the good answer" >&2
"$bin" invoke --payload "$event"

echo "==> backend-ctl status: what is deployed, and the function's numbers since the start (one GetMetricData call)" >&2
"$bin" status --since 1h

echo "==> the kill switch: backend-ctl pause, and the app is refused at once (a throttle)" >&2
"$bin" pause
if "$bin" invoke --payload "$event"; then
    echo "the paused function answered" >&2
    exit 1
fi
echo "==> an Event call while paused: Lambda accepts it (202) and, with the function at 0, sends it to the failed events untried" >&2
"$bin" invoke --async --payload "$event"
wait_failed 1
"$bin" failed
echo "==> backend-ctl resume --replay: the app is let back in, and the event sent while paused runs now" >&2
"$bin" resume --replay
"$bin" failed
"$bin" invoke --payload "$event"

echo "==> an Event call that fails: no last name; Lambda tries it three times, then keeps it in the failed events' queue" >&2
"$bin" invoke --async --payload '{"firstName": "Grace"}'
wait_failed 1
"$bin" failed
echo "==> the fix, released by update-code: a missing last name is fine now" >&2
fixed="$(mktemp -d)"
trap 'kill "$emulator_pid" 2>/dev/null; rm -f "$emulator_out"; rm -rf "$bad" "$fixed"' EXIT
mkdir -p "$fixed/handler"
cp -r handler/Cargo.toml handler/Cargo.lock handler/src "$fixed/handler/"
sed -i 's/let last = field(&event, "lastName")?;/let last = field(\&event, "lastName").unwrap_or_default();/' "$fixed/handler/src/main.rs"
sed -i 's/greetings: format!("Hello, {first} {last}\."),/greetings: format!("Hello, {}.", format!("{first} {last}").trim()),/' "$fixed/handler/src/main.rs"
grep -q 'unwrap_or_default()' "$fixed/handler/src/main.rs" || { echo "demo.sh: the handler's lastName line moved" >&2; exit 1; }
sed -i 's/^name = "greeter"$/name = "greeter-fixed-release"/' "$fixed/handler/Cargo.toml" "$fixed/handler/Cargo.lock"
cp config.toml "$fixed/config.toml"
CARGO_TARGET_DIR="$root/handler/target" "$bin" --config "$fixed/config.toml" update-code
echo "==> backend-ctl replay --all: the failed event runs again on the fixed release, and leaves the queue once it succeeded" >&2
"$bin" replay --all
"$bin" failed
"$bin" logs --since 1m | grep -F "Hello, Grace." >&2

echo "==> backend-ctl teardown --yes (the log group goes too)" >&2
"$bin" teardown --yes
