//! The plan's vocabulary: the resources, the actions on them, the changes an
//! update puts right, and how a plan prints (text for people, JSON for tools).

use std::fmt;

use serde_json::{json, Value};

use crate::observed::{AccountConcurrency, Extra};

/// The resources, in the dependency order of `up`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    ExecRole,
    LogGroup,
    IdentityPool,
    ExecPolicy,
    Function,
    UnauthRole,
    UnauthPolicy,
    PoolRoles,
    /// A second pool of ours (its step's name is its id), left by two runs
    /// at once before the stack's lock existed: deleted.
    ExtraPool,
    /// A new version of the function, published from `$LATEST`.
    Version,
    /// The alias the app calls, moved to the release.
    Alias,
    /// A published version beyond `keep_versions` (its step's name is its
    /// number): deleted.
    OldVersion,
    /// The guard's SNS topic.
    Topic,
    /// The email subscription of the topic (its step's name is the address).
    Subscription,
    /// A confirmed subscription of an address the config no longer names
    /// (its step's name is its ARN): removed.
    OldSubscription,
    /// A CloudWatch alarm of the guard.
    Alarm,
    /// The SQS queue that keeps the failed `Event` calls.
    FailedQueue,
    /// The alias's event-invoke settings: retries, maximum age, destination
    /// (its step's name is `function:alias`).
    EventConfig,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::ExecRole => "IAM role",
            Kind::LogGroup => "CloudWatch log group",
            Kind::ExecPolicy => "IAM role policy",
            Kind::Function => "Lambda function",
            Kind::IdentityPool | Kind::ExtraPool => "Cognito identity pool",
            Kind::UnauthRole => "IAM role",
            Kind::UnauthPolicy => "IAM role policy",
            Kind::PoolRoles => "identity pool roles",
            Kind::Version | Kind::OldVersion => "Lambda version",
            Kind::Alias => "Lambda alias",
            Kind::Topic => "SNS topic",
            Kind::Subscription | Kind::OldSubscription => "email subscription",
            Kind::Alarm => "CloudWatch alarm",
            Kind::FailedQueue => "SQS queue",
            Kind::EventConfig => "event-invoke settings",
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
    /// Reserved concurrency found → wanted (`None`: no reservation).
    Concurrency(Option<i32>, Option<u32>),
    /// Log retention found (`None`: forever) → wanted, in days.
    Retention(Option<i32>, u32),
    /// Our tags on the untagged group Lambda made for our function.
    AdoptLogGroup,
    AllowUnauthenticated(bool),
    ClassicFlow(bool),
    UnauthenticatedRole(Option<String>),
    /// The alias moves: from the version it points at, to this one.
    Release {
        from: String,
        to: String,
    },
    /// A setting of an alarm differs (what, as said).
    Alarm(String),
    /// A setting of the failed events' queue, or of the event-invoke
    /// settings, differs (what, as said).
    Events(String),
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
            Change::Concurrency(a, b) => {
                let a = a.map_or("none".to_string(), |a| a.to_string());
                let b = b.map_or("none".to_string(), |b| b.to_string());
                write!(f, "reserved concurrency {a} → {b}")
            }
            Change::Retention(a, b) => {
                let a = a.map_or("forever".to_string(), |a| format!("{a} days"));
                write!(f, "retention {a} → {b} days")
            }
            Change::AdoptLogGroup => write!(
                f,
                "adopt the untagged group Lambda made for our function (add our tags)"
            ),
            Change::AllowUnauthenticated(_) => write!(f, "unauthenticated identities → allowed"),
            Change::ClassicFlow(_) => write!(f, "classic flow → off"),
            Change::Release { from, to } => write!(f, "version {from} → {to}"),
            Change::Alarm(what) | Change::Events(what) => write!(f, "{what}"),
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

/// Something the plan decided that the user should know, though no step shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The account cannot spare the reservation: the function gets none, or
    /// keeps the one it has (`kept`).
    NoReservation {
        wanted: u32,
        kept: Option<i32>,
        account: AccountConcurrency,
    },
    /// Two runs at once had made more than one pool of ours: `up` keeps
    /// the one the unauthenticated role trusts and deletes the others.
    ExtraPools { kept: String, deleted: Vec<String> },
    /// The alarms' email subscription waits for its owner to confirm it.
    ConfirmEmail { email: String },
    /// The function is paused (reserved concurrency 0): `up` leaves it so.
    Paused { function: String },
    /// `[function.async] keep_failed = false`: Event calls Lambda gives up
    /// on are lost; the queue, if it stands, goes with the events in it.
    FailedEventsLost { queue: String, waiting: Option<u64> },
    /// Teardown deletes the failed events' queue with events still in it.
    FailedEventsDeleted { queue: String, waiting: u64 },
    /// A canary of this very code is running: `up` leaves it as it is.
    Canary {
        alias: String,
        live: String,
        canary: u64,
        percent: u8,
    },
}

impl Note {
    /// How much concurrency AWS keeps unreserved: 100, or the whole limit
    /// when it is lower (its message says "below its minimum value of [10]"
    /// on a new account's limit of 10).
    pub fn floor(limit: i32) -> i32 {
        limit.min(100)
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::NoReservation {
                wanted,
                kept,
                account,
            } => {
                write!(
                    f,
                    "reserved concurrency {wanted} is not possible on this account: its Lambda limit is {} concurrent executions, {} of them unreserved, and AWS keeps {} unreserved. ",
                    account.limit,
                    account.unreserved,
                    Note::floor(account.limit),
                )?;
                match kept {
                    Some(k) => write!(f, "The function keeps its reservation of {k}.")?,
                    None => write!(
                        f,
                        "The function gets no reservation; the account's own limit ({}) caps what callers can run at once.",
                        account.limit
                    )?,
                }
                write!(f, " Ask AWS to raise \"Concurrent executions\" (Service Quotas); the next `up` then puts the cap in place.")
            }
            Note::ConfirmEmail { email } => write!(
                f,
                "the alarms are sent to {email} once its owner confirms the subscription: SNS has mailed a link (`backend-ctl status` shows when it is confirmed)"
            ),
            Note::Paused { function } => write!(
                f,
                "{function} is paused (reserved concurrency 0: every call is throttled); `up` leaves it paused: `backend-ctl resume` or `backend-ctl up --resume` lets calls in again"
            ),
            Note::Canary {
                alias,
                live,
                canary,
                percent,
            } => write!(
                f,
                "a canary is running: the alias {alias} sends {percent}% of the calls to version {canary} and the rest to version {live}; `backend-ctl promote` gives version {canary} all of them, `backend-ctl rollback` none"
            ),
            Note::FailedEventsLost { queue, waiting } => {
                write!(
                    f,
                    "[function.async] keep_failed = false: an Event call that still fails after Lambda's retries, that waits longer than max_event_age_s, or that arrives while the function is paused, is lost"
                )?;
                match waiting {
                    Some(0) => write!(f, "; the empty queue {queue} is deleted"),
                    Some(n) => write!(
                        f,
                        "; the queue {queue} is deleted with the {n} failed events in it (`backend-ctl failed` lists them, `backend-ctl replay --all` runs them again first)"
                    ),
                    None => Ok(()),
                }
            }
            Note::FailedEventsDeleted { queue, waiting } => write!(
                f,
                "the queue {queue} still holds {waiting} failed events, deleted with it (`backend-ctl failed` lists them, `backend-ctl replay --all` runs them again first)"
            ),
            Note::ExtraPools { kept, deleted } => write!(
                f,
                "{} identity pools of ours were found (two runs at once made them, before the stack's lock existed): keeping {kept}, the one the unauthenticated role trusts (else the lowest id), and deleting {}",
                deleted.len() + 1,
                deleted.join(", ")
            ),
        }
    }
}

/// The ordered steps of one command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// The reservation to put once a function that is created is Active.
    pub reserve_on_create: Option<u32>,
    /// The release (`up`): the version to publish, the alias's move, the pruning.
    pub release: ReleasePlan,
    pub notes: Vec<Note>,
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
        let notes: Vec<String> = self.notes.iter().map(|n| n.to_string()).collect();
        json!({"steps": steps, "create": create, "update": update, "delete": delete, "notes": notes})
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
        )?;
        for note in &self.notes {
            write!(f, "\nnote: {note}")?;
        }
        Ok(())
    }
}

/// Where a release points the alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A new version, published from `$LATEST`.
    Publish,
    /// A version that already holds exactly this code and configuration
    /// (published by a run that stopped before it moved the alias).
    Existing(u64),
}

/// A release: the alias moved (or created) in one write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub alias: String,
    /// What the alias pointed to (`None`: it does not exist yet).
    pub from: Option<String>,
    /// The alias's `RevisionId` as read: the move is refused if it changed.
    pub revision_id: Option<String>,
    pub to: Target,
    /// The alias's history after the move, newest first.
    pub history: Vec<u64>,
    /// A canary: the alias stays on `from` and sends this share (percent)
    /// of the calls to `to`.
    pub canary: Option<u8>,
}

/// The release part of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReleasePlan {
    pub release: Option<Release>,
    /// Old versions to delete, newest first.
    pub prune: Vec<u64>,
}
