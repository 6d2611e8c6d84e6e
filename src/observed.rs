//! What exists in AWS under our names, as read by the AWS layer: plain data
//! that the plan compares with the desired state.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::aws::identity_pool::Unmanaged;
use crate::aws::pool_roles::RoleMappings;
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

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PoolRolesState {
    pub roles: BTreeMap<String, String>,
    pub mappings: RoleMappings,
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

/// Everything found under our names.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub account: Account,
    pub exec_role: Option<RoleState>,
    pub function: Option<FunctionState>,
    /// Every pool named like ours, owned or not.
    pub pools: Vec<PoolState>,
    pub unauth_role: Option<RoleState>,
    pub log_group: Option<LogGroupState>,
    /// Read by `plan` and `up` only (`teardown` needs none).
    pub concurrency: Option<AccountConcurrency>,
}
