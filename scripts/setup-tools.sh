#!/usr/bin/env bash
# What the tests need beyond cargo and .venv, installed idempotently: the
# aarch64 rust target (arm64 builds), and on Debian/Ubuntu qemu user mode
# with the aarch64 C library (arm64 handlers run locally and in the
# emulator on an x86_64 host). Each step runs only when its piece is missing.
set -euo pipefail

target=aarch64-unknown-linux-gnu
if ! rustup target list --installed | grep -qx "$target"; then
    echo "setup-tools: rustup target add $target" >&2
    rustup target add "$target"
fi

case "$(uname -m)" in
    x86_64) qemu=qemu-aarch64; loader=/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1; libc=libc6-arm64-cross ;;
    aarch64) qemu=qemu-x86_64; loader=/usr/x86_64-linux-gnu/lib64/ld-linux-x86-64.so.2; libc=libc6-amd64-cross ;;
    *) exit 0 ;;
esac
if command -v "$qemu" >/dev/null && [[ -e "$loader" ]]; then
    exit 0
fi
if ! command -v apt-get >/dev/null; then
    echo "setup-tools: install qemu user mode ($qemu) and the other architecture's C library for local runs of that architecture" >&2
    exit 0
fi
sudo=()
[[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
echo "setup-tools: apt-get install qemu-user $libc" >&2
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user "$libc" >/dev/null
