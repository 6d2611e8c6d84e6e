#!/usr/bin/env bash
# Every check CI runs: formatting, clippy with -D warnings, the handler's and
# the CLI's unit and integration tests, the emulator extension's tests, and
# the app's Kotlin client's tests (Maven, JDK 17).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$root/scripts/setup-tools.sh"

echo "==> no two modules import each other (emulator/ and src/)" >&2
python3 "$root/scripts/check-imports.py"

echo "==> cargo fmt --check" >&2
cargo fmt --all -- --check
(cd handler && cargo fmt -- --check)

# The emulator's tests mostly wait (on its alarms' clock, Lambda's states,
# IAM propagation): the venv is made (pip: mostly waiting on downloads and
# disk) and they run while the builds below compile, which yield the CPU to
# them (nice). A build that fails ends the run: the emulator's tests stop
# with it.
echo "==> emulator extension tests (pytest), beside the builds below" >&2
venv_log="$(mktemp)"
pytest_log="$(mktemp)"
trap 'for pid in "${pytest_pid:-}" "${tests_pid:-}"; do if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; fi; done; rm -f "$venv_log" "$pytest_log" "${tests_log:-}"' EXIT
(
    "$root/scripts/setup-venv.sh" >"$venv_log" 2>&1 || exit 97
    exec "$root/.venv/bin/python" -m pytest emulator -q -p no:cacheprovider
) >"$pytest_log" 2>&1 &
pytest_pid=$!

echo "==> cargo clippy -D warnings (the handler)" >&2
(cd handler && nice -n 10 cargo clippy --all-targets --quiet -- -D warnings)

echo "==> handler tests" >&2
(cd handler && nice -n 10 cargo test --quiet)

# backend-ctl's own crates are linted by clippy-driver as they are built
# (scripts/lint-on-build.sh: -D warnings, every target: the library, the
# binary, the examples here and the tests below), rather than by `cargo
# clippy`, whose separate check of every dependency was a sixth of a run.
echo "==> cargo build, linted by clippy -D warnings" >&2
export RUSTC_WORKSPACE_WRAPPER="$root/scripts/lint-on-build.sh"
BACKEND_CTL_CLIPPY_DRIVER="$(rustc --print sysroot)/bin/clippy-driver"
export BACKEND_CTL_CLIPPY_DRIVER
nice -n 10 cargo build --quiet --bin backend-ctl --example bench --example bench_loop

echo "==> emulator extension tests (pytest): their report" >&2
pytest_status=0
wait "$pytest_pid" || pytest_status=$?
pytest_pid=""
cat "$venv_log" "$pytest_log" >&2
if [[ "$pytest_status" == 97 ]]; then
    echo "test.sh: scripts/setup-venv.sh failed" >&2
    exit 1
fi
if [[ "$pytest_status" != 0 ]]; then
    echo "test.sh: the emulator's tests failed (exit $pytest_status)" >&2
    exit "$pytest_status"
fi

# The end-to-end tests compile while the benchmark and the Kotlin client run:
# those mostly wait on the emulator and on cold handler builds' linkers, and
# the compile yields the CPU to them (nice). Nothing of theirs is timed
# against a target in CI.
echo "==> backend-ctl tests: compiled in the background (cargo test --no-run)" >&2
tests_log="$(mktemp)"
nice -n 10 cargo test --no-run --quiet >"$tests_log" 2>&1 &
tests_pid=$!

echo "==> benchmark, quick mode (one repetition, debug build), so it cannot rot" >&2
target/debug/examples/bench --quick --bin target/debug/backend-ctl
target/debug/examples/bench_loop --quick --bin target/debug/backend-ctl

echo "==> the app's Kotlin client (Maven) against a stack made by up, and against dev" >&2
BACKEND_CTL_BIN="$root/target/debug/backend-ctl" "$root/scripts/test-client.sh"

# Last, so that the run closes on the test runners' own summaries. Built
# once, then run in lanes at once: the end-to-end tests mostly wait on the
# emulator (one per test binary) and on the stalls the fault proxy injects,
# not on the 2 cores, and faults.rs alone is as long as half of the rest.
# Four test threads in each lane (nine at once in faults.rs made the lanes
# longer on a clean clone, 387 s against 322 s: the machine's two cores are
# the limit, and its 1 s attempt timeouts fired more).
echo "==> backend-ctl tests (unit, then end to end against the emulator)" >&2
tests_status=0
wait "$tests_pid" || tests_status=$?
tests_pid=""
cat "$tests_log" >&2
if [[ "$tests_status" != 0 ]]; then
    echo "test.sh: building the tests failed (exit $tests_status)" >&2
    exit "$tests_status"
fi
echo "==> the release workflow (actionlint)" >&2
"$root/scripts/lint-workflows.sh"

# The wheel as a user installs it, alone in a fresh environment: it must
# bring zig and cargo-zigbuild, and run the main job (scripts/test-wheel.sh).
echo "==> the wheel (maturin), installed alone and run against the emulator" >&2
"$root/scripts/test-wheel.sh"

"$root/scripts/test-lanes.sh" \
    "--test faults" \
    "--test deployer_policy --test function_runs --test cross --test doctor" \
    "--bins --rest"
