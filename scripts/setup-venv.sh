#!/usr/bin/env bash
# Creates <repo>/.venv with the emulator's Python dependencies (moto, pytest).
# Idempotent: pip runs only when emulator/requirements.txt changed since the
# last successful install (a sha256 stamp kept in .venv).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
req="$root/emulator/requirements.txt"
stamp="$venv/.requirements.sha256"

want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    exit 0
fi

echo "setup-venv: installing emulator/requirements.txt into $venv" >&2
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
echo "$want" > "$stamp"
echo "setup-venv: done" >&2
