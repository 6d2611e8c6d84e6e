#!/usr/bin/env bash
# The baseline of a rollback with the AWS CLI: find where the alias points,
# take the published version before it, point the alias there (the CLI keeps
# no history: "the version before" is the previous number, as lambroll does).
# Usage: bench/baseline-aws-cli-rollback.sh FUNCTION ALIAS
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
aws="${AWS_CLI:-$root/.venv/bin/aws}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-$AWS_REGION}"
function="$1" alias="$2"
current="$("$aws" lambda get-alias --function-name "$function" --name "$alias" --query FunctionVersion --output text)"
previous="$("$aws" lambda list-versions-by-function --function-name "$function" \
    --query "Versions[?Version!='\$LATEST'].Version" --output text | tr '\t' '\n' | sort -n |
    awk -v c="$current" '$1 < c { p = $1 } END { print p }')"
"$aws" lambda update-alias --function-name "$function" --name "$alias" --function-version "$previous" >/dev/null
