//! The deployer policy: the least-privilege IAM policy that lets a user or a
//! CI role run every backend-ctl command for one project and stage, scoped
//! by our names and ARNs (`backend-ctl policy deployer` prints it).
//!
//! Actions and resource types follow the Service Authorization Reference
//! (<https://docs.aws.amazon.com/service-authorization/latest/reference/>):
//! creating with tags needs the service's tagging action too; `GetFunction`
//! returns tags only with `lambda:ListTags`; `DescribeLogGroups`,
//! `GetAccountSettings`, `ListIdentityPools`, `CreateIdentityPool` and
//! `SetIdentityPoolRoles` take no resource (`*`); `SetIdentityPoolRoles`
//! needs `iam:PassRole` on the role it hands out. Of the guard's calls,
//! `sns:ListTopics`, `sns:Unsubscribe` (authorized on `*`: the subscription
//! is not the topic) and `cloudwatch:GetMetricData` take none. `sts:GetCallerIdentity`
//! needs no permission at all.

use serde_json::{json, Value};

use super::{cognito_principal, log_group_arn, Account, LAMBDA_PRINCIPAL};

/// The Cognito Identity service, as `iam:PassedToService` names it.
const COGNITO_SERVICE: &str = "cognito-identity.amazonaws.com";
use crate::desired::{Names, TAG_PROJECT, TAG_STAGE};

/// What each command calls on the roles (besides `iam:PassRole`).
pub const ROLE_ACTIONS: &[&str] = &[
    "iam:CreateRole",
    "iam:GetRole",
    "iam:TagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:DeleteRole",
    "iam:PutRolePolicy",
    "iam:GetRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:ListRolePolicies",
    "iam:ListAttachedRolePolicies",
    "iam:DetachRolePolicy",
];

pub const FUNCTION_ACTIONS: &[&str] = &[
    "lambda:CreateFunction",
    "lambda:GetFunction",
    "lambda:ListTags",
    "lambda:TagResource",
    "lambda:UpdateFunctionConfiguration",
    "lambda:UpdateFunctionCode",
    "lambda:PutFunctionConcurrency",
    "lambda:DeleteFunctionConcurrency",
    "lambda:DeleteFunction",
    "lambda:ListVersionsByFunction",
    "lambda:ListAliases",
    "lambda:PublishVersion",
    "lambda:CreateAlias",
    "lambda:UpdateAlias",
    "lambda:GetFunctionEventInvokeConfig",
    "lambda:PutFunctionEventInvokeConfig",
    // `replay` runs failed events again on the alias.
    "lambda:InvokeFunction",
];

pub const LOG_GROUP_ACTIONS: &[&str] = &[
    "logs:CreateLogGroup",
    "logs:PutRetentionPolicy",
    "logs:DeleteLogGroup",
    "logs:FilterLogEvents",
];

/// Tagging takes the log group's ARN without `:*`.
pub const LOG_TAG_ACTIONS: &[&str] = &["logs:TagResource", "logs:ListTagsForResource"];

/// The stack's lock (`aws::lock`): a log group made with our tags, read, and
/// deleted; a takeover claims it first with a log stream made in it.
pub const LOCK_ACTIONS: &[&str] = &[
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogStreams",
    "logs:TagResource",
    "logs:ListTagsForResource",
    "logs:DeleteLogGroup",
];

/// Reads of pools with our name, ours or not (their tags decide).
pub const POOL_READ_ACTIONS: &[&str] = &[
    "cognito-identity:DescribeIdentityPool",
    "cognito-identity:GetIdentityPoolRoles",
];

/// Changes to our own pool, which carries our tags. `UpdateIdentityPool`
/// with `IdentityPoolTags` (how `up` puts drifted settings back) also needs
/// `TagResource` and `UntagResource` (the Service Authorization Reference's
/// dependent actions): `TagOurPool` allows the first, this the second.
pub const POOL_WRITE_ACTIONS: &[&str] = &[
    "cognito-identity:UpdateIdentityPool",
    "cognito-identity:UntagResource",
    "cognito-identity:DeleteIdentityPool",
];

/// The guard's topic (`[alarms]`): made with our tags, read, subscribed to, deleted.
pub const TOPIC_ACTIONS: &[&str] = &[
    "sns:CreateTopic",
    "sns:TagResource",
    "sns:ListTagsForResource",
    "sns:ListSubscriptionsByTopic",
    "sns:Subscribe",
    "sns:DeleteTopic",
];

/// The failed events' queue: made with our tags (`CreateQueue` with tags
/// also needs `TagQueue`, SQS Developer Guide, "Tagging"), read, put back,
/// deleted; its messages read and held (`ChangeMessageVisibilityBatch` is
/// authorized as `ChangeMessageVisibility`) and removed by `replay`.
pub const QUEUE_ACTIONS: &[&str] = &[
    "sqs:GetQueueUrl",
    "sqs:GetQueueAttributes",
    "sqs:ListQueueTags",
    "sqs:CreateQueue",
    "sqs:TagQueue",
    "sqs:SetQueueAttributes",
    "sqs:DeleteQueue",
    "sqs:ReceiveMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
];

/// The guard's alarms, by name. `DescribeAlarms` stays pinned to our alarms'
/// ARNs because backend-ctl always names them (`AlarmNames`, metric alarms
/// only): AWS evaluates a named call per alarm (the ARC guide's sample
/// policy pins it so), and only a call by prefix or for every alarm on
/// `alarm:*` (the refusal in aws-samples/amazon-cloudwatch-auto-alarms#1),
/// or one for composite alarms on `*` (CloudWatch's permissions reference).
pub const ALARM_ACTIONS: &[&str] = &[
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:ListTagsForResource",
    "cloudwatch:TagResource",
    "cloudwatch:DeleteAlarms",
];

/// Calls that take no resource.
pub const UNSCOPED_ACTIONS: &[&str] = &[
    "lambda:GetAccountSettings",
    "logs:DescribeLogGroups",
    "cognito-identity:ListIdentityPools",
    "cognito-identity:SetIdentityPoolRoles",
    "sns:ListTopics",
    "sns:Unsubscribe",
    "cloudwatch:GetMetricData",
];

/// The policy document for `names` in `account`. With our pool's id, every
/// pool statement but the creation is pinned to that pool; without it (before
/// the first `up`), tagging a pool at creation needs `TagResource` on any
/// pool carrying our tags in the request, which also lets the holder put our
/// tags on another pool, and then change it: print the policy again once the
/// pool exists.
/// `mapped`: roles other than ours that the pool maps (an authenticated
/// role the user set up): `up` sends them back with ours in
/// `SetIdentityPoolRoles`, which needs `iam:PassRole` for every role it names.
pub fn policy(names: &Names, account: &Account, pool_id: Option<&str>, mapped: &[String]) -> Value {
    let Account {
        partition,
        account_id,
        region,
    } = account;
    let role = |name: &str| format!("arn:{partition}:iam::{account_id}:role/{name}");
    let group = log_group_arn(account, &names.function);
    let lock = format!(
        "arn:{partition}:logs:{region}:{account_id}:log-group:{}",
        names.lock
    );
    let any_pool = format!("arn:{partition}:cognito-identity:{region}:{account_id}:identitypool/*");
    let pools = match pool_id {
        Some(id) => {
            format!("arn:{partition}:cognito-identity:{region}:{account_id}:identitypool/{id}")
        }
        None => any_pool.clone(),
    };
    // The role is passed to Cognito Identity; AWS's own managed policy names
    // the global principal and the partition's one.
    let mut cognito = vec![COGNITO_SERVICE.to_string()];
    let own = cognito_principal(partition, region);
    if own != COGNITO_SERVICE {
        cognito.push(own);
    }
    let our_tags = json!({
        format!("aws:ResourceTag/{TAG_PROJECT}"): names.project,
        format!("aws:ResourceTag/{TAG_STAGE}"): names.stage,
    });
    let our_request_tags = json!({
        format!("aws:RequestTag/{TAG_PROJECT}"): names.project,
        format!("aws:RequestTag/{TAG_STAGE}"): names.stage,
    });
    let mut doc = json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "OurRoles",
                "Effect": "Allow",
                "Action": ROLE_ACTIONS,
                "Resource": [role(&names.exec_role), role(&names.unauth_role)]
            },
            {
                "Sid": "PassTheExecutionRoleToLambda",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": role(&names.exec_role),
                "Condition": {"StringEquals": {"iam:PassedToService": LAMBDA_PRINCIPAL}}
            },
            {
                "Sid": "PassTheUnauthenticatedRoleToCognito",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": role(&names.unauth_role),
                "Condition": {"StringEquals": {"iam:PassedToService": cognito}}
            },
            {
                "Sid": "OurFunction",
                "Effect": "Allow",
                "Action": FUNCTION_ACTIONS,
                // Its versions and aliases too: pruning deletes `fn:N`,
                // which Lambda authorizes against the qualified ARN.
                "Resource": [names.function_arn(account), format!("{}:*", names.function_arn(account))]
            },
            {
                "Sid": "OurLogGroup",
                "Effect": "Allow",
                "Action": LOG_GROUP_ACTIONS,
                "Resource": format!("{group}:*")
            },
            {
                "Sid": "TagOurLogGroup",
                "Effect": "Allow",
                "Action": LOG_TAG_ACTIONS,
                "Resource": [group.clone(), format!("{group}:*")]
            },
            {
                "Sid": "OurStacksLock",
                "Effect": "Allow",
                "Action": LOCK_ACTIONS,
                "Resource": [lock.clone(), format!("{lock}:*")]
            },
            {
                "Sid": "ReadPoolsNamedLikeOurs",
                "Effect": "Allow",
                "Action": POOL_READ_ACTIONS,
                "Resource": any_pool
            },
            {
                "Sid": "ChangeOnlyOurPool",
                "Effect": "Allow",
                "Action": POOL_WRITE_ACTIONS,
                "Resource": pools.clone(),
                "Condition": {"StringEquals": our_tags}
            },
            {
                "Sid": "CreateOurPool",
                "Effect": "Allow",
                "Action": "cognito-identity:CreateIdentityPool",
                "Resource": "*",
                "Condition": {"StringEquals": our_request_tags}
            },
            {
                "Sid": "TagOurPool",
                "Effect": "Allow",
                "Action": "cognito-identity:TagResource",
                "Resource": if pool_id.is_some() { pools.clone() } else { "*".to_string() },
                "Condition": {"StringEquals": our_request_tags}
            },
            {
                "Sid": "OurAlarmsTopic",
                "Effect": "Allow",
                "Action": TOPIC_ACTIONS,
                "Resource": format!("arn:{partition}:sns:{region}:{account_id}:{}", names.topic)
            },
            {
                "Sid": "OurFailedEventsQueue",
                "Effect": "Allow",
                "Action": QUEUE_ACTIONS,
                "Resource": names.failed_queue_arn(account)
            },
            {
                "Sid": "OurAlarms",
                "Effect": "Allow",
                "Action": ALARM_ACTIONS,
                "Resource": names
                    .alarms
                    .iter()
                    .map(|a| format!("arn:{partition}:cloudwatch:{region}:{account_id}:alarm:{a}"))
                    .collect::<Vec<_>>()
            },
            {
                "Sid": "CallsWithoutAResource",
                "Effect": "Allow",
                "Action": UNSCOPED_ACTIONS,
                "Resource": "*"
            }
        ]
    });
    if !mapped.is_empty() {
        if let Some(list) = doc["Statement"].as_array_mut() {
            list.push(json!({
                "Sid": "PassTheRolesMappedOnOurPool",
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": mapped,
                "Condition": {"StringEquals": {"iam:PassedToService": cognito}}
            }));
        }
    }
    doc
}

#[cfg(test)]
mod tests;
