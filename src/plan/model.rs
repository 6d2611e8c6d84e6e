//! The plan's vocabulary: the resources, the actions on them, the changes an
//! update puts right, and how a plan prints (text for people, JSON for tools).

use std::fmt;

use serde_json::{json, Value};

use crate::observed::Extra;

/// The resources, in the dependency order of `up`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    ExecRole,
    IdentityPool,
    ExecPolicy,
    Function,
    UnauthRole,
    UnauthPolicy,
    PoolRoles,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::ExecRole => "IAM role",
            Kind::ExecPolicy => "IAM role policy",
            Kind::Function => "Lambda function",
            Kind::IdentityPool => "Cognito identity pool",
            Kind::UnauthRole => "IAM role",
            Kind::UnauthPolicy => "IAM role policy",
            Kind::PoolRoles => "identity pool roles",
        }
    }
}

/// One difference that an update puts right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    TrustPolicy,
    /// Policies on our role that the desired state does not have.
    ExtraPolicies(Vec<Extra>),
    PolicyDocument,
    Runtime(String),
    Handler(String),
    Role(String),
    Memory(i32, u32),
    Timeout(i32, u32),
    Environment(Vec<String>),
    Architecture(String, &'static str),
    Code,
    Concurrency(Option<i32>, u32),
    AllowUnauthenticated(bool),
    ClassicFlow(bool),
    UnauthenticatedRole(Option<String>),
}

impl Change {
    /// Changes made by `UpdateFunctionConfiguration`.
    pub fn is_function_config(&self) -> bool {
        matches!(
            self,
            Change::Runtime(_)
                | Change::Handler(_)
                | Change::Role(_)
                | Change::Memory(..)
                | Change::Timeout(..)
                | Change::Environment(_)
        )
    }

    /// Changes made by `UpdateFunctionCode` (the architecture travels with the code).
    pub fn is_function_code(&self) -> bool {
        matches!(self, Change::Code | Change::Architecture(..))
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::TrustPolicy => write!(f, "trust policy differs"),
            Change::ExtraPolicies(extra) => {
                let list: Vec<String> = extra.iter().map(|e| e.to_string()).collect();
                write!(f, "remove {} (not in the desired state)", list.join(", "))
            }
            Change::PolicyDocument => write!(f, "policy document differs"),
            Change::Runtime(from) => write!(f, "runtime {from} → {}", crate::desired::RUNTIME),
            Change::Handler(from) => write!(f, "handler {from} → {}", crate::desired::HANDLER),
            Change::Role(from) => write!(f, "execution role {from} → ours"),
            Change::Memory(a, b) => write!(f, "memory {a} → {b} MB"),
            Change::Timeout(a, b) => write!(f, "timeout {a} → {b} s"),
            Change::Environment(keys) => write!(f, "environment changed ({})", keys.join(", ")),
            Change::Architecture(a, b) => write!(f, "architecture {a} → {b}"),
            Change::Code => write!(f, "code changed"),
            Change::Concurrency(a, b) => match a {
                Some(a) => write!(f, "reserved concurrency {a} → {b}"),
                None => write!(f, "reserved concurrency none → {b}"),
            },
            Change::AllowUnauthenticated(_) => write!(f, "unauthenticated identities → allowed"),
            Change::ClassicFlow(_) => write!(f, "classic flow → off"),
            Change::UnauthenticatedRole(from) => match from {
                Some(arn) => write!(f, "unauthenticated role {arn} → ours"),
                None => write!(f, "unauthenticated role not set"),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create,
    Update(Vec<Change>),
    Delete,
    Keep,
}

impl Action {
    /// An update for these changes, or `Keep` when there are none.
    pub fn update(changes: Vec<Change>) -> Action {
        if changes.is_empty() {
            Action::Keep
        } else {
            Action::Update(changes)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub kind: Kind,
    pub name: String,
    pub action: Action,
}

/// The ordered steps of one command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
}

impl Plan {
    pub fn step(&self, kind: Kind) -> Option<&Step> {
        self.steps.iter().find(|s| s.kind == kind)
    }

    pub fn action(&self, kind: Kind) -> &Action {
        self.step(kind).map(|s| &s.action).unwrap_or(&Action::Keep)
    }

    /// Whether applying the plan writes nothing.
    pub fn is_noop(&self) -> bool {
        self.steps.iter().all(|s| s.action == Action::Keep)
    }

    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |f: fn(&Action) -> bool| self.steps.iter().filter(|s| f(&s.action)).count();
        (
            count(|a| matches!(a, Action::Create)),
            count(|a| matches!(a, Action::Update(_))),
            count(|a| matches!(a, Action::Delete)),
        )
    }

    pub fn to_json(&self) -> Value {
        let steps: Vec<Value> = self
            .steps
            .iter()
            .map(|s| {
                let (action, changes) = match &s.action {
                    Action::Create => ("create", vec![]),
                    Action::Update(c) => ("update", c.iter().map(|c| c.to_string()).collect()),
                    Action::Delete => ("delete", vec![]),
                    Action::Keep => ("keep", vec![]),
                };
                json!({"resource": s.kind.label(), "name": s.name, "action": action, "changes": changes})
            })
            .collect();
        let (create, update, delete) = self.counts();
        json!({"steps": steps, "create": create, "update": update, "delete": delete})
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for s in &self.steps {
            let (mark, verb) = match &s.action {
                Action::Create => ("+", "create"),
                Action::Update(_) => ("~", "update"),
                Action::Delete => ("-", "delete"),
                Action::Keep => ("=", "keep  "),
            };
            write!(f, "  {mark} {verb} {} {}", s.kind.label(), s.name)?;
            if let Action::Update(changes) = &s.action {
                let text: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
                write!(f, ": {}", text.join("; "))?;
            }
            writeln!(f)?;
        }
        let (create, update, delete) = self.counts();
        write!(
            f,
            "{create} to create, {update} to update, {delete} to delete."
        )
    }
}
