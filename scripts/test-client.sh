#!/usr/bin/env bash
# The app's client (clients/kotlin) tested on the JVM with Maven, against the
# local AWS emulator and a stack that `backend-ctl up` makes there, plus
# `backend-ctl dev` for the client's Lambda endpoint override. Teardown and
# clean-up run whatever happens (a trap).
#
#   scripts/test-client.sh                     # builds backend-ctl with cargo
#   BACKEND_CTL_BIN=path/to/backend-ctl scripts/test-client.sh
#   scripts/test-client.sh -Dtest=CredentialsStackTest   # arguments go to mvn
#
# Needs JDK 17 and Maven (which fetches the client's dependencies), besides
# what the emulator needs (scripts/setup-venv.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ -n "${BACKEND_CTL_BIN:-}" ]]; then
    bin="$BACKEND_CTL_BIN"
else
    echo "==> building backend-ctl (cargo build)" >&2
    cargo build --quiet --bin backend-ctl
    bin="$root/target/debug/backend-ctl"
fi

# shellcheck source=emulator-env.sh
source "$root/scripts/emulator-env.sh"

# A project of its own, so that nothing here touches the repository's config,
# app config or stack: the repository's config.toml with absolute paths.
work="$(mktemp -d)"
config="$work/config.toml"
app_config="$work/awsconfiguration.json"
dev_pid=""
deployed=""

cleanup() {
    local status=$?
    if [[ -n "$dev_pid" ]]; then
        kill "$dev_pid" 2>/dev/null || true
        wait "$dev_pid" 2>/dev/null || true
        if [[ $status -ne 0 && -s "$work/dev.err" ]]; then
            echo "==> backend-ctl dev's log" >&2
            cat "$work/dev.err" >&2
        fi
    fi
    if [[ -n "$deployed" ]]; then
        echo "==> backend-ctl teardown --yes (clean-up after a failure)" >&2
        "$bin" --config "$config" teardown --yes >&2 || echo "teardown failed" >&2
    fi
    rm -rf "$work"
    # what emulator-env.sh's own trap did
    kill "$emulator_pid" 2>/dev/null || true
    rm -f "$emulator_out"
    exit "$status"
}
trap cleanup EXIT

echo "==> a test project in $work (the repository's config.toml, project \"kclient\")" >&2
# reserved_concurrency 20: room for the test that sends 20 invokes at once.
sed -e 's|^project = .*|project = "kclient"|' \
    -e "s|^path = \"handler\"|path = \"$root/handler\"|" \
    -e "s|^config_path = .*|config_path = \"$app_config\"|" \
    -e "s|^dir = \"policies\"|dir = \"$root/policies\"|" \
    -e 's|^reserved_concurrency = .*|reserved_concurrency = 20|' \
    "$root/config.toml" >"$config"
for setting in 'project = "kclient"' "path = \"$root/handler\"" "config_path = \"$app_config\"" \
    "dir = \"$root/policies\"" 'reserved_concurrency = 20'; do
    grep -qxF "$setting" "$config" || {
        echo "test-client.sh: could not set '$setting' in a copy of config.toml (did its layout change?)" >&2
        exit 1
    }
done

echo "==> backend-ctl up --yes" >&2
deployed=yes
"$bin" --config "$config" up --yes >&2

echo "==> backend-ctl dev --port 0 (in the background)" >&2
dev_out="$work/dev.out" dev_err="$work/dev.err"
"$bin" --config "$config" dev --port 0 >"$dev_out" 2>"$dev_err" &
dev_pid=$!
for _ in $(seq 1 600); do
    [[ -s "$dev_out" ]] && break
    kill -0 "$dev_pid" 2>/dev/null || { cat "$dev_err" >&2; echo "backend-ctl dev exited before serving" >&2; exit 1; }
    sleep 0.1
done
dev_url="$(head -n 1 "$dev_out")"
[[ "$dev_url" == http://* ]] || { cat "$dev_err" >&2; echo "backend-ctl dev printed no URL within 60 s" >&2; exit 1; }
echo "dev: $dev_url" >&2

echo "==> mvn test in clients/kotlin (the client against the stack, the emulator and dev)" >&2
mvn_start=$SECONDS mvn_status=0
(
    cd "$root/clients/kotlin"
    BACKEND_CTL_APP_CONFIG="$app_config" BACKEND_CTL_DEV_URL="$dev_url" \
        mvn -B -ntp -Dstyle.color=never test "$@"
) || mvn_status=$?
echo "mvn test: $((SECONDS - mvn_start)) s" >&2
[[ $mvn_status -eq 0 ]] || exit "$mvn_status"

kill "$dev_pid" 2>/dev/null || true
wait "$dev_pid" 2>/dev/null || true
dev_pid=""

echo "==> backend-ctl teardown --yes" >&2
"$bin" --config "$config" teardown --yes >&2
deployed=""
