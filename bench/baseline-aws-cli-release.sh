#!/usr/bin/env bash
# The baseline of a release, as the AWS CLI does it by hand: upload the code,
# wait for the update, publish a version, point the alias at it.
# Usage: bench/baseline-aws-cli-release.sh FUNCTION ZIP ALIAS
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
aws="${AWS_CLI:-$root/.venv/bin/aws}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-$AWS_REGION}"
function="$1" zip="$2" alias="$3"
"$aws" lambda update-function-code --function-name "$function" --zip-file "fileb://$zip" >/dev/null
"$aws" lambda wait function-updated-v2 --function-name "$function"
version="$("$aws" lambda publish-version --function-name "$function" --query Version --output text)"
"$aws" lambda update-alias --function-name "$function" --name "$alias" --function-version "$version" >/dev/null
