"""backend-ctl's extension of moto 5.2.6: what AWS does that moto does not (DESIGN.md §5).

One package per AWS service it changes, as moto's own layout has them
(``moto/<service>/``), and one for what stands in front of moto for every
request. ``install`` puts them in, in the one order written there. Each
package's ``__init__`` says what it adds, after which AWS reference.

    front/        in front of moto, for every request (front.door is the one
                  patch of moto's WSGI app): SigV4 (sigv4), the credentials the
                  emulator issued (issued), IAM users' calls (authorization),
                  an account's denied actions and regions (account_rules),
                  RPC v2 CBOR (cbor), the switches (switches, refusals)
    awslambda/    Lambda: its API (api), versions and aliases, function states
                  (states), the code run behind a Runtime API (runtime, rapi,
                  process), its log lines (logs) and AWS/Lambda metrics (metrics)
    iam/          IAM: policy-size quotas, propagation, conflicts
    cognito/      Cognito Identity: pools (models, responses), identities and
                  the credentials they get (identities)
    cloudwatch/   CloudWatch: statistics and percentiles (metric_data), alarms
                  evaluated (alarms) and their SNS messages (notices)
    sns/          SNS: email subscriptions pending confirmation, published messages
    logs/         CloudWatch Logs: conflicts of back-to-back changes
    account/      the account: Lambda's limits (concurrency floor, memory), the
                  settings that account_rules enforces

The emulator's tests are beside it, in ``emulator/tests`` (emulator/README.md).
"""
