#!/usr/bin/env bash
# The RUSTC_WORKSPACE_WRAPPER of scripts/test.sh: backend-ctl's own crates
# (its library, binary, examples and tests) are compiled by clippy-driver,
# which lints them with -D warnings as it builds them, as `cargo clippy
# --all-targets -- -D warnings` would. CI so lints without `cargo clippy`'s
# separate check of every dependency (about 200 CPU-seconds on a clean
# clone). Every other crate (a handler a test or the benchmark builds) goes
# to rustc unchanged.
rustc="$1"
shift
if [[ "${CARGO_PKG_NAME:-}" == "backend-ctl" && -n "${BACKEND_CTL_CLIPPY_DRIVER:-}" ]]; then
    # clippy's own encoding of `-- -D warnings` (what `cargo clippy` sets).
    export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
    exec "$BACKEND_CTL_CLIPPY_DRIVER" "$rustc" "$@"
fi
exec "$rustc" "$@"
