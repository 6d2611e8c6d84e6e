#!/usr/bin/env bash
# Creates <repo>/.venv with the emulator's Python dependencies (moto, pytest)
# and the build tools that come from PyPI (cargo-zigbuild, ziglang, and
# cargo-lambda for the benchmark). Idempotent: pip runs only when a
# requirements file changed since the last successful install (a sha256
# stamp kept in .venv).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
reqs=("$root/emulator/requirements.txt" "$root/scripts/requirements-tools.txt")
stamp="$venv/.requirements.sha256"

want="$(cat "${reqs[@]}" | sha256sum | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    exit 0
fi

echo "setup-venv: installing ${reqs[*]#"$root/"} into $venv" >&2
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
for req in "${reqs[@]}"; do
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
done
echo "$want" > "$stamp"
echo "setup-venv: done" >&2
