#!/usr/bin/env bash
# The baseline of the benchmark: the same backend as `backend-ctl up`, made
# the way a reader of the AWS tutorials would script it with the AWS CLI: one
# command per call, idempotent (look up, then create or update), waiting with
# the CLI's waiters. Usage: bench/baseline-aws-cli.sh PROJECT
# (AWS_ENDPOINT_URL, AWS_REGION and credentials come from the environment).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
aws="${AWS_CLI:-$root/.venv/bin/aws}"
project="$1"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-$AWS_REGION}"
name="$project-dev"
exec_role="$name-exec"
unauth_role="$name-unauth"

# Build and zip the handler, as the tutorial does.
cargo build --quiet --profile lambda --target x86_64-unknown-linux-gnu \
    --manifest-path "$root/handler/Cargo.toml"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$root/handler/target/x86_64-unknown-linux-gnu/lambda/bootstrap" "$work/bootstrap"
(cd "$work" && python3 -m zipfile -c function.zip bootstrap)

account="$("$aws" sts get-caller-identity --query Account --output text)"
lambda_trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
logs="arn:aws:logs:$AWS_REGION:$account:log-group:/aws/lambda/$name"
exec_policy='{"Version":"2012-10-17","Statement":[{"Sid":"OwnLogGroup","Effect":"Allow","Action":"logs:CreateLogGroup","Resource":"'"$logs"':*"},{"Sid":"OwnLogStreams","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"'"$logs"':log-stream:*"}]}'

if "$aws" iam get-role --role-name "$exec_role" >/dev/null 2>&1; then
    "$aws" iam update-assume-role-policy --role-name "$exec_role" --policy-document "$lambda_trust"
else
    "$aws" iam create-role --role-name "$exec_role" --assume-role-policy-document "$lambda_trust" \
        --tags "Key=backend-ctl:project,Value=$project" "Key=backend-ctl:stage,Value=dev" >/dev/null
fi
"$aws" iam put-role-policy --role-name "$exec_role" --policy-name "$exec_role" --policy-document "$exec_policy"

role_arn="arn:aws:iam::$account:role/$exec_role"
if "$aws" lambda get-function --function-name "$name" >/dev/null 2>&1; then
    "$aws" lambda update-function-configuration --function-name "$name" --role "$role_arn" \
        --memory-size 128 --timeout 10 --environment "Variables={GREETING_STYLE=friendly}" >/dev/null
    "$aws" lambda wait function-updated-v2 --function-name "$name"
    "$aws" lambda update-function-code --function-name "$name" --zip-file "fileb://$work/function.zip" >/dev/null
    "$aws" lambda wait function-updated-v2 --function-name "$name"
else
    "$aws" lambda create-function --function-name "$name" --runtime provided.al2023 --handler bootstrap \
        --architectures x86_64 --role "$role_arn" --memory-size 128 --timeout 10 \
        --environment "Variables={GREETING_STYLE=friendly}" --zip-file "fileb://$work/function.zip" \
        --tags "backend-ctl:project=$project,backend-ctl:stage=dev" >/dev/null
    "$aws" lambda wait function-active-v2 --function-name "$name"
fi
"$aws" lambda put-function-concurrency --function-name "$name" --reserved-concurrent-executions 10 >/dev/null

pool_id="$("$aws" cognito-identity list-identity-pools --max-results 60 \
    --query "IdentityPools[?IdentityPoolName=='$name'].IdentityPoolId | [0]" --output text)"
if [[ -z "$pool_id" || "$pool_id" == "None" ]]; then
    pool_id="$("$aws" cognito-identity create-identity-pool --identity-pool-name "$name" \
        --allow-unauthenticated-identities --no-allow-classic-flow \
        --identity-pool-tags "backend-ctl:project=$project,backend-ctl:stage=dev" \
        --query IdentityPoolId --output text)"
fi

unauth_trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"'"$pool_id"'"},"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"unauthenticated"}}}]}'
if "$aws" iam get-role --role-name "$unauth_role" >/dev/null 2>&1; then
    "$aws" iam update-assume-role-policy --role-name "$unauth_role" --policy-document "$unauth_trust"
else
    "$aws" iam create-role --role-name "$unauth_role" --assume-role-policy-document "$unauth_trust" \
        --tags "Key=backend-ctl:project,Value=$project" "Key=backend-ctl:stage,Value=dev" >/dev/null
fi
invoke_policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:'"$AWS_REGION:$account"':function:'"$name"'"}]}'
"$aws" iam put-role-policy --role-name "$unauth_role" --policy-name "$name-invoke" --policy-document "$invoke_policy"
"$aws" cognito-identity set-identity-pool-roles --identity-pool-id "$pool_id" \
    --roles "unauthenticated=arn:aws:iam::$account:role/$unauth_role"
