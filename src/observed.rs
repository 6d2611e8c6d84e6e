//! What exists in AWS under our names, as read by the AWS layer: plain data
//! that the plan compares with the desired state.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::policy::Account;

pub type Tags = BTreeMap<String, String>;

/// An IAM role, its inline policy of our name, and any other policy on it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoleState {
    pub arn: String,
    pub trust: Value,
    pub tags: Tags,
    pub policy: Option<Value>,
    /// Policies someone else put on our role; `up` removes them.
    pub extra: Vec<Extra>,
}

/// A policy on one of our roles that the desired state does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extra {
    Inline(String),
    Attached(String),
}

impl std::fmt::Display for Extra {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Extra::Inline(name) => write!(f, "inline policy {name}"),
            Extra::Attached(arn) => write!(f, "managed policy {arn}"),
        }
    }
}

/// A Lambda function as `GetFunction` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionState {
    pub arn: String,
    pub runtime: String,
    pub handler: String,
    pub architecture: String,
    pub memory_mb: i32,
    pub timeout_s: i32,
    pub environment: BTreeMap<String, String>,
    pub role: String,
    pub code_sha256: String,
    pub reserved_concurrency: Option<i32>,
    pub tags: Tags,
    pub state: String,
    pub last_update_status: String,
    /// The zip's size in bytes.
    pub code_size: i64,
}

/// A published version of the function (`ListVersionsByFunction`).
#[derive(Debug, Clone, PartialEq)]
pub struct VersionState {
    pub number: u64,
    /// Its code and configuration, frozen when it was published (its
    /// `tags`, `reserved_concurrency` and states are not read).
    pub config: FunctionState,
    pub description: String,
    pub last_modified: String,
}

/// An alias of the function (`ListAliases`).
#[derive(Debug, Clone, PartialEq)]
pub struct AliasState {
    pub name: String,
    /// A version number, or `$LATEST`.
    pub function_version: String,
    pub description: String,
    pub revision_id: String,
    /// Versions that get a share of the alias's calls, and their weights.
    pub weights: BTreeMap<String, f64>,
}

impl AliasState {
    /// The version it points to, when that is a published version.
    pub fn version(&self) -> Option<u64> {
        self.function_version.parse().ok()
    }
}

/// The function's published versions (oldest first) and its aliases.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Releases {
    pub versions: Vec<VersionState>,
    pub aliases: Vec<AliasState>,
}

impl Releases {
    pub fn alias(&self, name: &str) -> Option<&AliasState> {
        self.aliases.iter().find(|a| a.name == name)
    }

    pub fn version(&self, number: u64) -> Option<&VersionState> {
        self.versions.iter().find(|v| v.number == number)
    }

    pub fn newest(&self) -> Option<&VersionState> {
        self.versions.iter().max_by_key(|v| v.number)
    }
}

/// An identity pool with one of our names.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolState {
    pub id: String,
    pub name: String,
    pub allow_unauthenticated: bool,
    pub allow_classic_flow: bool,
    pub tags: Tags,
    /// Settings we do not manage, passed back unchanged on update.
    pub unmanaged: Unmanaged,
    /// The pool's roles (`GetIdentityPoolRoles`), when read.
    pub roles: Option<PoolRolesState>,
}

/// Pool settings we do not manage; an update passes them back unchanged,
/// since `UpdateIdentityPool` replaces every setting. `None` is a setting
/// the pool does not have (not the same as an empty one).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Unmanaged {
    pub supported_login_providers: Option<BTreeMap<String, String>>,
    pub developer_provider_name: Option<String>,
    pub open_id_connect_provider_arns: Option<Vec<String>>,
    pub cognito_identity_providers: Option<Vec<CognitoProvider>>,
    pub saml_provider_arns: Option<Vec<String>>,
}

/// A user pool whose users may sign in to the identity pool
/// (`CognitoIdentityProvider`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CognitoProvider {
    pub provider_name: Option<String>,
    pub client_id: Option<String>,
    pub server_side_token_check: Option<bool>,
}

/// The pool's roles (`GetIdentityPoolRoles`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PoolRolesState {
    /// `authenticated` / `unauthenticated` → role ARN.
    pub roles: BTreeMap<String, String>,
    pub mappings: RoleMappings,
}

/// Role mappings we do not manage, passed back unchanged: identity
/// provider → how its users get a role. `None` when the pool has none.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoleMappings(pub Option<BTreeMap<String, RoleMapping>>);

/// One provider's role mapping (`RoleMapping`), its enumerations kept as
/// AWS spells them (`Token` / `Rules`, `AuthenticatedRole` / `Deny`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleMapping {
    pub kind: String,
    pub ambiguous_role_resolution: Option<String>,
    /// The rules of a `Rules` mapping (`RulesConfiguration`), in order.
    pub rules: Option<Vec<MappingRule>>,
}

/// A rule of a role mapping: a claim matched (`Equals`, `Contains`,
/// `StartsWith`, `NotEqual`) against a value, and the role it gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingRule {
    pub claim: String,
    pub match_type: String,
    pub value: String,
    pub role_arn: String,
}

/// The function's log group, as `DescribeLogGroups` and its tags show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroupState {
    /// Without the `:*` suffix (the form tagging calls take).
    pub arn: String,
    /// `None`: events are kept forever.
    pub retention_days: Option<i32>,
    pub tags: Tags,
}

/// The account's Lambda concurrency (`GetAccountSettings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountConcurrency {
    /// The account's limit on concurrent executions (10 on new accounts).
    pub limit: i32,
    /// What no function has reserved.
    pub unreserved: i32,
}

/// The guard's SNS topic and its subscriptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicState {
    pub arn: String,
    pub tags: Tags,
    pub subscriptions: Vec<SubscriptionState>,
}

/// A subscription of the topic (`ListSubscriptionsByTopic`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionState {
    /// `PendingConfirmation` until the owner of the address confirms it.
    pub arn: String,
    pub protocol: String,
    pub endpoint: String,
}

impl SubscriptionState {
    pub fn pending(&self) -> bool {
        !self.arn.starts_with("arn:")
    }
}

/// A CloudWatch metric alarm with one of our names (`DescribeAlarms`).
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmState {
    pub name: String,
    pub arn: String,
    pub tags: Tags,
    pub namespace: String,
    pub metric: String,
    pub dimensions: BTreeMap<String, String>,
    pub statistic: String,
    pub period: i32,
    pub evaluation_periods: i32,
    pub datapoints_to_alarm: Option<i32>,
    pub threshold: f64,
    pub comparison: String,
    pub treat_missing_data: String,
    pub alarm_actions: Vec<String>,
    pub ok_actions: Vec<String>,
    pub actions_enabled: bool,
    pub description: String,
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    pub state: String,
    pub state_reason: String,
}

/// The failed events' SQS queue (`GetQueueAttributes`, `ListQueueTags`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueState {
    pub url: String,
    pub arn: String,
    pub tags: Tags,
    /// `SqsManagedSseEnabled`, or a KMS key (`KmsMasterKeyId`): either encrypts.
    pub encrypted: bool,
    pub retention_s: Option<u32>,
    /// Failed events waiting (`ApproximateNumberOfMessages`, plus those a
    /// `failed` or `replay` holds at the moment).
    pub messages: u64,
}

/// The alias's event-invoke settings (`GetFunctionEventInvokeConfig`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventConfigState {
    pub retry_attempts: Option<u32>,
    pub max_event_age_s: Option<u32>,
    pub on_failure: Option<String>,
    pub on_success: Option<String>,
}

/// Everything found under our names.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub account: Account,
    pub exec_role: Option<RoleState>,
    pub function: Option<FunctionState>,
    /// The function's versions and aliases (none when it does not exist).
    pub releases: Releases,
    /// Every pool named like ours, owned or not.
    pub pools: Vec<PoolState>,
    pub unauth_role: Option<RoleState>,
    pub log_group: Option<LogGroupState>,
    /// Read by `plan` and `up` only (`teardown` needs none).
    pub concurrency: Option<AccountConcurrency>,
    /// The guard's topic and alarms (`[alarms]`), when they exist.
    pub topic: Option<TopicState>,
    pub alarms: Vec<AlarmState>,
    /// The failed events' queue, when it exists.
    pub queue: Option<QueueState>,
    /// The alias's event-invoke settings (read by `plan` and `up`, when the alias exists).
    pub event_config: Option<EventConfigState>,
}
