#!/usr/bin/env bash
# Lints the GitHub Actions workflows (.github/workflows), which cannot run on
# this machine, with actionlint: their syntax, expressions, runner labels and
# action inputs. actionlint is built once with Go into .venv/bin.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version=v1.7.12
bin="$root/.venv/bin/actionlint"
if ! [[ -x "$bin" ]] || [[ "$("$bin" -version | head -n 1)" != "$version" ]]; then
    if ! command -v go >/dev/null; then
        echo "lint-workflows: actionlint is built with Go, which is not on PATH (Debian: apt-get install golang, or https://go.dev/dl)" >&2
        exit 1
    fi
    echo "lint-workflows: go install github.com/rhysd/actionlint/cmd/actionlint@$version" >&2
    GOBIN="$root/.venv/bin" nice go install "github.com/rhysd/actionlint/cmd/actionlint@$version"
fi
"$bin" "$root"/.github/workflows/*.yml
