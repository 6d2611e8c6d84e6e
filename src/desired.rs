//! The desired state: every name, tag, setting and policy that `up` converges
//! to, derived from the config alone (and, for ARNs, the account).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::config::{Architecture, Config};
use crate::error::InputError;
use crate::policy::{self, Account};

pub const TAG_PROJECT: &str = "backend-ctl:project";
pub const TAG_STAGE: &str = "backend-ctl:stage";
pub const RUNTIME: &str = "provided.al2023";
pub const HANDLER: &str = "bootstrap";

/// The names of everything we own; they depend on project and stage only, so a
/// lost local file never loses track of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub project: String,
    pub stage: String,
    pub exec_role: String,
    pub exec_policy: String,
    pub function: String,
    pub pool: String,
    pub unauth_role: String,
    pub unauth_policy: String,
    /// Where Lambda writes the function's logs.
    pub log_group: String,
    /// The stack's lock, a log group that exists while a run writes (`aws::lock`).
    pub lock: String,
    /// The SNS topic the alarms notify.
    pub topic: String,
    /// The CloudWatch alarms, one per guarded metric (`GUARDED`).
    pub alarms: [String; 5],
    /// The SQS queue that keeps the `Event` calls Lambda gave up on.
    pub failed_queue: String,
}

impl Names {
    pub fn new(project: &str, stage: &str) -> Names {
        let base = format!("{project}-{stage}");
        Names {
            project: project.to_string(),
            stage: stage.to_string(),
            exec_role: format!("{base}-exec"),
            exec_policy: format!("{base}-exec"),
            function: base.clone(),
            pool: base.clone(),
            unauth_role: format!("{base}-unauth"),
            unauth_policy: format!("{base}-invoke"),
            log_group: format!("/aws/lambda/{base}"),
            lock: format!("/backend-ctl/locks/{base}"),
            topic: format!("{base}-alarms"),
            alarms: GUARDED.map(|g| format!("{base}-{}", g.suffix)),
            failed_queue: format!("{base}-failed"),
        }
    }

    /// The ownership tags every resource carries.
    pub fn tags(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (TAG_PROJECT.to_string(), self.project.clone()),
            (TAG_STAGE.to_string(), self.stage.clone()),
        ])
    }

    /// Whether a resource with these tags is ours.
    pub fn owns(&self, tags: &BTreeMap<String, String>) -> bool {
        tags.get(TAG_PROJECT) == Some(&self.project) && tags.get(TAG_STAGE) == Some(&self.stage)
    }

    /// The failed events' queue's ARN, known without asking SQS.
    pub fn failed_queue_arn(&self, account: &Account) -> String {
        format!(
            "arn:{}:sqs:{}:{}:{}",
            account.partition, account.region, account.account_id, self.failed_queue
        )
    }

    /// The function's ARN, known without asking Lambda.
    pub fn function_arn(&self, account: &Account) -> String {
        format!(
            "arn:{}:lambda:{}:{}:function:{}",
            account.partition, account.region, account.account_id, self.function
        )
    }
}

/// A metric the guard watches: its alarm's name suffix, the metric, and the
/// statistic over 5 minutes that is compared with the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guarded {
    pub suffix: &'static str,
    pub namespace: &'static str,
    pub metric: &'static str,
    pub statistic: &'static str,
}

const fn lambda_sum(suffix: &'static str, metric: &'static str) -> Guarded {
    Guarded {
        suffix,
        namespace: "AWS/Lambda",
        metric,
        statistic: "Sum",
    }
}

/// The guarded metrics: three of the alias the app calls; then, while the
/// failed events are kept, the records Lambda could not deliver to their
/// queue (`DestinationDeliveryFailures`, lost events) and the queue's depth
/// (`ApproximateNumberOfMessagesVisible`, which SQS publishes each minute:
/// its `Maximum` over 5 minutes is the most events that waited).
pub const GUARDED: [Guarded; 5] = [
    lambda_sum("invocations", "Invocations"),
    lambda_sum("errors", "Errors"),
    lambda_sum("throttles", "Throttles"),
    lambda_sum("delivery-failures", "DestinationDeliveryFailures"),
    Guarded {
        suffix: "failed-events",
        namespace: "AWS/SQS",
        metric: "ApproximateNumberOfMessagesVisible",
        statistic: "Maximum",
    },
];

/// How many of `GUARDED` watch the alias's calls; the rest watch the failed
/// events, and exist only while they are kept.
pub const GUARDED_CALLS: usize = 3;

/// One CloudWatch alarm of the guard: a statistic of a metric per 5
/// minutes, at or over a threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmSpec {
    pub name: String,
    pub namespace: &'static str,
    pub metric: &'static str,
    pub statistic: &'static str,
    /// `FunctionName` and `Resource` (`{function}:{alias}`), or the
    /// queue's `QueueName`.
    pub dimensions: BTreeMap<String, String>,
    pub threshold: f64,
    pub description: String,
}

pub const ALARM_PERIOD_S: i32 = 300;

/// How our alarms compare and treat missing data.
pub const ALARM_COMPARISON: &str = "GreaterThanOrEqualToThreshold";
pub const ALARM_TREAT_MISSING: &str = "notBreaching";

/// The guard of the public endpoint: a topic, its email subscription, and
/// the alarms that notify it.
#[derive(Debug, Clone, PartialEq)]
pub struct Guard {
    pub topic: String,
    pub email: String,
    pub alarms: Vec<AlarmSpec>,
}

/// What Lambda does with the alias's `Event` calls
/// (`PutFunctionEventInvokeConfig`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsSpec {
    pub retry_attempts: u32,
    pub max_event_age_s: u32,
    /// The on-failure destination: our queue's ARN (`None`: failed events
    /// are lost).
    pub on_failure: Option<String>,
}

/// The failed events' queue: SQS-managed encryption, and the longest
/// retention SQS allows (14 days), so that a failed event waits for a fix.
pub const QUEUE_RETENTION_S: u32 = 1_209_600;

/// The function's settings that `up` converges (code aside).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSpec {
    pub runtime: String,
    pub handler: String,
    pub architecture: Architecture,
    pub memory_mb: u32,
    pub timeout_s: u32,
    pub environment: BTreeMap<String, String>,
    /// `None`: no reservation (the account's own limit caps the function).
    pub reserved_concurrency: Option<u32>,
}

/// The function's code, as built and zipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub zip: Vec<u8>,
    /// base64(SHA-256(zip)), as Lambda reports `CodeSha256`.
    pub sha256: String,
    /// The git commit the handler was built from, when it is in a work
    /// tree (with " (uncommitted changes)" when it differs from it).
    pub source: Option<String>,
}

impl Code {
    /// The description of a version published from this code.
    pub fn describe(&self) -> String {
        match &self.source {
            Some(source) => format!("backend-ctl: CodeSha256 {}, git {source}", self.sha256),
            None => format!("backend-ctl: CodeSha256 {}", self.sha256),
        }
    }
}

/// Everything `up` converges to.
#[derive(Debug, Clone)]
pub struct Desired {
    pub names: Names,
    pub account: Account,
    pub exec_trust: Value,
    pub exec_policy: Value,
    pub function: FunctionSpec,
    pub function_arn: String,
    /// The alias the app calls, and its ARN: the one resource the app's
    /// identity may invoke.
    pub alias: String,
    pub alias_arn: String,
    pub keep_versions: u32,
    pub invoke_policy: Value,
    pub log_retention_days: u32,
    /// `[alarms]`: `None` when the config has none (any of ours is deleted).
    pub guard: Option<Guard>,
    /// `[function.async]`: the alias's event-invoke settings.
    pub events: EventsSpec,
}

/// Checks, before any AWS call, that the execution role's inline policy
/// (ours plus `policies/execution.json`) fits IAM's 10,240 characters per
/// role, rendered with the longest partition and region names, so that no
/// account or region can push it over.
pub fn check_exec_policy_size(config: &Config) -> Result<(), InputError> {
    let longest = Account {
        partition: "aws-us-gov".into(),
        account_id: "123456789012".into(),
        region: "ap-southeast-5".into(),
    };
    let size = policy::size::size(&Desired::new(config, &longest).exec_policy);
    if size <= policy::size::ROLE_INLINE {
        return Ok(());
    }
    Err(InputError::Policy {
        what: "policy template",
        path: config.extra_statements_path.clone(),
        message: format!(
            "the execution role's inline policy would be {size} characters (whitespace excluded); IAM allows {} for all of a role's inline policies\n  hint: remove statements, or merge those that differ only in Resource into one statement with a list of resources",
            policy::size::ROLE_INLINE
        ),
    })
}

impl Desired {
    pub fn new(config: &Config, account: &Account) -> Desired {
        let names = Names::new(&config.project, &config.stage);
        let vars = [
            ("partition", account.partition.as_str()),
            ("account_id", account.account_id.as_str()),
            ("region", account.region.as_str()),
            ("function_name", names.function.as_str()),
            ("project", names.project.as_str()),
            ("stage", names.stage.as_str()),
        ];
        let queue_arn = names.failed_queue_arn(account);
        let on_failure = config.events.keep_failed.then_some(queue_arn);
        let exec_policy = policy::exec_policy(
            account,
            &names.function,
            on_failure.as_deref(),
            &config.extra_statements,
            &vars,
        );
        let function_arn = names.function_arn(account);
        let alias_arn = format!("{function_arn}:{}", config.alias);
        Desired {
            exec_trust: policy::exec_trust(),
            exec_policy,
            function: function_spec(config),
            invoke_policy: policy::invoke_policy(&alias_arn),
            function_arn,
            alias: config.alias.clone(),
            alias_arn,
            keep_versions: config.keep_versions,
            log_retention_days: config.log_retention_days,
            guard: config
                .alarms
                .as_ref()
                .map(|a| guard(&names, &config.alias, a, config.events.keep_failed)),
            events: EventsSpec {
                retry_attempts: config.events.retry_attempts,
                max_event_age_s: config.events.max_event_age_s,
                on_failure,
            },
            names,
            account: account.clone(),
        }
    }

    /// The unauthenticated role's trust policy, which names the pool.
    pub fn unauth_trust(&self, pool_id: &str) -> Value {
        policy::unauth_trust(&self.account, pool_id)
    }
}

pub fn function_spec(config: &Config) -> FunctionSpec {
    FunctionSpec {
        runtime: RUNTIME.into(),
        handler: HANDLER.into(),
        architecture: config.architecture,
        memory_mb: config.memory_mb,
        timeout_s: config.timeout_s,
        environment: config.environment.clone(),
        reserved_concurrency: config.reserved_concurrency,
    }
}

/// The guard that `[alarms]` asks for: the alias's calls, and the failed
/// events while they are kept (any one of them alarms: each is a user's
/// event that did not run).
fn guard(names: &Names, alias: &str, alarms: &crate::config::Alarms, keep_failed: bool) -> Guard {
    let thresholds = [
        alarms.invocations_per_5min,
        alarms.errors_per_5min,
        alarms.throttles_per_5min,
        1,
        1,
    ];
    let resource = format!("{}:{alias}", names.function);
    let of_alias = BTreeMap::from([
        ("FunctionName".to_string(), names.function.clone()),
        ("Resource".to_string(), resource.clone()),
    ]);
    let of_queue = BTreeMap::from([("QueueName".to_string(), names.failed_queue.clone())]);
    let watched = if keep_failed {
        GUARDED.len()
    } else {
        GUARDED_CALLS
    };
    let specs = names
        .alarms
        .iter()
        .zip(GUARDED)
        .zip(thresholds)
        .take(watched)
        .map(|((name, g), threshold)| {
            let (dimensions, description) = if g.namespace == "AWS/SQS" {
                (
                    of_queue.clone(),
                    format!(
                        "backend-ctl: {threshold} or more failed events waiting in {} (see `backend-ctl failed`)",
                        names.failed_queue
                    ),
                )
            } else {
                (
                    of_alias.clone(),
                    format!(
                        "backend-ctl: {threshold} or more {} of {resource} in 5 minutes",
                        g.metric
                    ),
                )
            };
            AlarmSpec {
                name: name.clone(),
                namespace: g.namespace,
                metric: g.metric,
                statistic: g.statistic,
                dimensions,
                threshold: f64::from(threshold),
                description,
            }
        })
        .collect();
    Guard {
        topic: names.topic.clone(),
        email: alarms.email.clone(),
        alarms: specs,
    }
}
