//! Unit tests of the plan: creations, each single drift, ownership, teardown order.

use super::*;

use std::path::Path;

use serde_json::json;

use crate::config;
use crate::desired::{Code, Desired, Names};
use crate::error::OwnershipError;
use crate::observed::{
    AccountConcurrency, AliasState, EventConfigState, FunctionState, LogGroupState, Observed,
    PoolRolesState, PoolState, QueueState, Releases, RoleState, VersionState,
};
use crate::policy::{self, Account};

const POOL_ID: &str = "eu-west-1:11111111-2222-3333-4444-555555555555";
const SECRET: &str = "s3cr3t-value-never-printed";
const OTHER_ROLE: &str = "arn:aws:iam::123456789012:role/someone-else";

const UP_ORDER: [Kind; 11] = [
    Kind::ExecRole,
    Kind::LogGroup,
    Kind::IdentityPool,
    Kind::ExecPolicy,
    Kind::Function,
    Kind::Alias,
    Kind::UnauthRole,
    Kind::UnauthPolicy,
    Kind::PoolRoles,
    Kind::FailedQueue,
    Kind::EventConfig,
];

fn desired() -> Desired {
    let text = format!(
        "project = \"shop\"\n[handler]\npath = \"handler\"\n[function]\nmemory_mb = 256\ntimeout_s = 30\nreserved_concurrency = 5\nenvironment = {{ API_KEY = \"{SECRET}\", LOG_LEVEL = \"info\" }}\n"
    );
    let config = config::parse(&text, Path::new("/p/config.toml"), "dev").unwrap();
    let account = Account {
        partition: "aws".into(),
        account_id: "123456789012".into(),
        region: "eu-west-1".into(),
    };
    Desired::new(&config, &account)
}

fn code() -> Code {
    Code {
        zip: vec![1, 2, 3],
        sha256: "bmV3LWNvZGU=".into(),
        source: None,
    }
}

/// An established account: 1000 concurrent executions, none reserved.
const ROOMY: AccountConcurrency = AccountConcurrency {
    limit: 1000,
    unreserved: 1000,
};

/// A brand-new account: 10 concurrent executions, so no reservation fits.
const NEW_ACCOUNT: AccountConcurrency = AccountConcurrency {
    limit: 10,
    unreserved: 10,
};

fn empty(d: &Desired) -> Observed {
    Observed {
        account: d.account.clone(),
        exec_role: None,
        function: None,
        pools: Vec::new(),
        unauth_role: None,
        log_group: None,
        concurrency: Some(ROOMY),
        releases: Releases::default(),
        topic: None,
        alarms: Vec::new(),
        queue: None,
        event_config: None,
    }
}

/// The failed events' queue as `up` makes it.
fn our_queue(d: &Desired) -> QueueState {
    QueueState {
        url: format!(
            "https://sqs.eu-west-1.amazonaws.com/123456789012/{}",
            d.names.failed_queue
        ),
        arn: d.names.failed_queue_arn(&d.account),
        tags: d.names.tags(),
        encrypted: true,
        retention_s: Some(crate::desired::QUEUE_RETENTION_S),
        messages: 0,
    }
}

fn our_group(d: &Desired) -> LogGroupState {
    LogGroupState {
        arn: format!(
            "arn:aws:logs:eu-west-1:123456789012:log-group:{}",
            d.names.log_group
        ),
        retention_days: Some(30),
        tags: d.names.tags(),
    }
}

fn our_pool(d: &Desired) -> PoolState {
    PoolState {
        id: POOL_ID.into(),
        name: d.names.pool.clone(),
        allow_unauthenticated: true,
        allow_classic_flow: false,
        tags: d.names.tags(),
        unmanaged: Default::default(),
        roles: Some(PoolRolesState {
            roles: [(
                "unauthenticated".to_string(),
                role_arn(d, &d.names.unauth_role),
            )]
            .into(),
            ..Default::default()
        }),
    }
}

/// Everything exists exactly as desired.
fn converged(d: &Desired) -> Observed {
    let names = &d.names;
    let spec = &d.function;
    let mut o = Observed {
        account: d.account.clone(),
        exec_role: Some(RoleState {
            arn: role_arn(d, &names.exec_role),
            trust: d.exec_trust.clone(),
            tags: names.tags(),
            policy: Some(d.exec_policy.clone()),
            extra: Vec::new(),
        }),
        function: Some(FunctionState {
            arn: d.function_arn.clone(),
            runtime: spec.runtime.clone(),
            handler: spec.handler.clone(),
            architecture: spec.architecture.as_str().into(),
            memory_mb: spec.memory_mb as i32,
            timeout_s: spec.timeout_s as i32,
            environment: spec.environment.clone(),
            role: role_arn(d, &names.exec_role),
            code_sha256: code().sha256,
            reserved_concurrency: spec.reserved_concurrency.map(|r| r as i32),
            tags: names.tags(),
            state: "Active".into(),
            last_update_status: "Successful".into(),
            code_size: 3,
        }),
        pools: vec![our_pool(d)],
        unauth_role: Some(RoleState {
            arn: role_arn(d, &names.unauth_role),
            trust: d.unauth_trust(POOL_ID),
            tags: names.tags(),
            policy: Some(d.invoke_policy.clone()),
            extra: Vec::new(),
        }),
        log_group: Some(our_group(d)),
        // Our 5 are reserved already.
        concurrency: Some(AccountConcurrency {
            limit: 1000,
            unreserved: 995,
        }),
        releases: Releases::default(),
        topic: None,
        alarms: Vec::new(),
        queue: Some(our_queue(d)),
        event_config: Some(EventConfigState {
            retry_attempts: Some(2),
            max_event_age_s: Some(21600),
            on_failure: d.events.on_failure.clone(),
            on_success: None,
        }),
    };
    // Released as version 1, which the alias points at.
    let latest = o.function.clone().unwrap();
    o.releases = Releases {
        versions: vec![VersionState {
            number: 1,
            config: latest,
            description: String::new(),
            last_modified: String::new(),
        }],
        aliases: vec![AliasState {
            name: d.alias.clone(),
            function_version: "1".into(),
            description: String::new(),
            revision_id: "r1".into(),
            weights: Default::default(),
        }],
    };
    o
}

fn group(o: &mut Observed) -> &mut LogGroupState {
    o.log_group.as_mut().unwrap()
}

fn func(o: &mut Observed) -> &mut FunctionState {
    o.function.as_mut().unwrap()
}

fn exec(o: &mut Observed) -> &mut RoleState {
    o.exec_role.as_mut().unwrap()
}

fn unauth(o: &mut Observed) -> &mut RoleState {
    o.unauth_role.as_mut().unwrap()
}

fn update(change: Change) -> Action {
    Action::Update(vec![change])
}

/// After `drift`, the step `kind` does `expected` and every other step keeps.
fn assert_only(
    d: &Desired,
    what: &str,
    drift: impl FnOnce(&mut Observed),
    kind: Kind,
    expected: Action,
) {
    let mut observed = converged(d);
    drift(&mut observed);
    let plan = up(d, &observed, &code()).unwrap();
    assert_eq!(
        plan.steps.iter().map(|s| s.kind).collect::<Vec<_>>(),
        UP_ORDER,
        "{what}"
    );
    let keep = Action::Keep;
    for step in &plan.steps {
        let want = if step.kind == kind { &expected } else { &keep };
        assert_eq!(&step.action, want, "{what}: step {:?}\n{plan}", step.kind);
    }
}

#[test]
fn nothing_found_creates_all_twelve_in_order() {
    let d = desired();
    let plan = up(&d, &empty(&d), &code()).unwrap();
    let steps: Vec<(Kind, &str)> = plan
        .steps
        .iter()
        .map(|s| (s.kind, s.name.as_str()))
        .collect();
    let expected = [
        (Kind::ExecRole, "shop-dev-exec"),
        (Kind::LogGroup, "/aws/lambda/shop-dev"),
        (Kind::IdentityPool, "shop-dev"),
        (Kind::ExecPolicy, "shop-dev-exec"),
        (Kind::Function, "shop-dev"),
        (Kind::Version, "from $LATEST"),
        (Kind::Alias, "live"),
        (Kind::UnauthRole, "shop-dev-unauth"),
        (Kind::UnauthPolicy, "shop-dev-invoke"),
        (Kind::PoolRoles, "shop-dev"),
        (Kind::FailedQueue, "shop-dev-failed"),
        (Kind::EventConfig, "shop-dev:live"),
    ];
    assert_eq!(steps, expected);
    assert!(
        plan.steps.iter().all(|s| s.action == Action::Create),
        "{plan}"
    );
    assert_eq!(plan.counts(), (12, 0, 0));
    assert!(!plan.is_noop());
}

#[test]
fn converged_stack_is_a_noop() {
    let d = desired();
    let plan = up(&d, &converged(&d), &code()).unwrap();
    assert!(plan.steps.len() == 11 && plan.is_noop(), "{plan}");
    assert_eq!(plan.counts(), (0, 0, 0));
}

#[test]
fn iam_spelling_of_the_same_documents_is_not_drift() {
    let d = desired();
    let mut o = converged(&d);
    let statement = json!({"Action": ["sts:AssumeRole"], "Principal": {"Service": ["lambda.amazonaws.com"]}, "Effect": "Allow"});
    exec(&mut o).trust = json!({"Statement": statement, "Version": "2012-10-17"});
    let plan = up(&d, &o, &code()).unwrap();
    assert!(plan.is_noop(), "{plan}");
}

#[test]
fn each_single_drift_updates_exactly_its_step() {
    use crate::plan::Kind::*;
    let d = desired();
    let other_fn = "arn:aws:lambda:eu-west-1:123456789012:function:other";
    let env = |key: &str| update(Change::Environment(vec![key.to_string()]));
    assert_only(
        &d,
        "memory",
        |o| func(o).memory_mb = 512,
        Function,
        update(Change::Memory(512, 256)),
    );
    assert_only(
        &d,
        "timeout",
        |o| func(o).timeout_s = 3,
        Function,
        update(Change::Timeout(3, 30)),
    );
    assert_only(
        &d,
        "env value",
        |o| drop(func(o).environment.insert("API_KEY".into(), "x".into())),
        Function,
        env("API_KEY"),
    );
    assert_only(
        &d,
        "env key gone",
        |o| drop(func(o).environment.remove("LOG_LEVEL")),
        Function,
        env("LOG_LEVEL"),
    );
    assert_only(
        &d,
        "code",
        |o| func(o).code_sha256 = "b2xk".into(),
        Function,
        update(Change::Code),
    );
    let no_cap = update(Change::Concurrency(None, Some(5)));
    assert_only(
        &d,
        "no reserved concurrency",
        |o| func(o).reserved_concurrency = None,
        Function,
        no_cap,
    );
    let cap = update(Change::Concurrency(Some(100), Some(5)));
    assert_only(
        &d,
        "other reserved concurrency",
        |o| func(o).reserved_concurrency = Some(100),
        Function,
        cap,
    );
    let arch = update(Change::Architecture("arm64".into(), "x86_64"));
    assert_only(
        &d,
        "architecture",
        |o| func(o).architecture = "arm64".into(),
        Function,
        arch,
    );
    let role = update(Change::Role(OTHER_ROLE.into()));
    assert_only(
        &d,
        "function role",
        |o| func(o).role = OTHER_ROLE.into(),
        Function,
        role,
    );
    let trust = update(Change::TrustPolicy);
    assert_only(
        &d,
        "exec trust",
        |o| exec(o).trust = policy::unauth_trust(&d.account, POOL_ID),
        ExecRole,
        trust.clone(),
    );
    let doc = update(Change::PolicyDocument);
    assert_only(
        &d,
        "exec policy",
        |o| exec(o).policy = Some(policy::invoke_policy(other_fn)),
        ExecPolicy,
        doc.clone(),
    );
    assert_only(
        &d,
        "exec policy gone",
        |o| exec(o).policy = None,
        ExecPolicy,
        Action::Create,
    );
    let attacker = policy::unauth_trust(&d.account, "eu-west-1:attacker");
    assert_only(
        &d,
        "unauth trusts another pool",
        |o| unauth(o).trust = attacker,
        UnauthRole,
        trust,
    );
    assert_only(
        &d,
        "invoke other function",
        |o| unauth(o).policy = Some(policy::invoke_policy(other_fn)),
        UnauthPolicy,
        doc,
    );
    let classic = update(Change::ClassicFlow(true));
    assert_only(
        &d,
        "classic flow on",
        |o| o.pools[0].allow_classic_flow = true,
        IdentityPool,
        classic,
    );
    let unauth_off = update(Change::AllowUnauthenticated(false));
    assert_only(
        &d,
        "unauthenticated off",
        |o| o.pools[0].allow_unauthenticated = false,
        IdentityPool,
        unauth_off,
    );
    let elsewhere = update(Change::UnauthenticatedRole(Some(OTHER_ROLE.into())));
    let point_elsewhere = |o: &mut Observed| {
        o.pools[0]
            .roles
            .as_mut()
            .unwrap()
            .roles
            .insert("unauthenticated".into(), OTHER_ROLE.into());
    };
    assert_only(
        &d,
        "pool roles elsewhere",
        point_elsewhere,
        PoolRoles,
        elsewhere,
    );
    let unset = update(Change::UnauthenticatedRole(None));
    assert_only(
        &d,
        "pool roles unset",
        |o| o.pools[0].roles = Some(PoolRolesState::default()),
        PoolRoles,
        unset,
    );
    assert_only(
        &d,
        "log retention changed",
        |o| group(o).retention_days = Some(7),
        LogGroup,
        update(Change::Retention(Some(7), 30)),
    );
    assert_only(
        &d,
        "log retention removed (kept forever)",
        |o| group(o).retention_days = None,
        LogGroup,
        update(Change::Retention(None, 30)),
    );
    assert_only(
        &d,
        "log group gone",
        |o| o.log_group = None,
        LogGroup,
        Action::Create,
    );
}

#[test]
fn the_untagged_group_lambda_made_for_our_function_is_adopted() {
    let d = desired();
    let mut o = converged(&d);
    // As Lambda makes it at the first invocation: no tags, kept forever.
    group(&mut o).tags.clear();
    group(&mut o).retention_days = None;
    let plan = up(&d, &o, &code()).unwrap();
    assert_eq!(
        plan.action(Kind::LogGroup),
        &Action::Update(vec![Change::AdoptLogGroup, Change::Retention(None, 30)])
    );
    // Teardown deletes it with the function.
    let plan = teardown(&d.names, &o).unwrap();
    assert_eq!(plan.action(Kind::LogGroup), &Action::Delete);
}

#[test]
fn an_untagged_group_is_ours_while_any_of_our_resources_stands() {
    let d = desired();
    // A teardown cut short after deleting the function, or the function
    // deleted in the console: the roles and the pool are still ours, so the
    // group Lambda made for the function is too.
    let mut o = converged(&d);
    group(&mut o).tags.clear();
    o.function = None;
    let plan = up(&d, &o, &code()).unwrap();
    assert_eq!(
        plan.action(Kind::LogGroup),
        &Action::Update(vec![Change::AdoptLogGroup])
    );
    assert_eq!(
        teardown(&d.names, &o).unwrap().action(Kind::LogGroup),
        &Action::Delete
    );
    // With nothing of ours around, the same group is someone else's.
    let alone = Observed {
        log_group: Some(LogGroupState {
            tags: Default::default(),
            ..our_group(&d)
        }),
        ..empty(&d)
    };
    let errors = up(&d, &alone, &code()).unwrap_err();
    assert!(
        matches!(&errors[..], [OwnershipError::Foreign { kind: "CloudWatch log group", name, .. }] if name == "/aws/lambda/shop-dev"),
        "{errors:?}"
    );
    assert!(teardown(&d.names, &alone).is_err());
}

#[test]
fn a_reservation_the_account_cannot_spare_becomes_a_note_not_a_write() {
    let d = desired();
    // Fresh up on a new account: no reservation, a note saying why.
    let o = Observed {
        concurrency: Some(NEW_ACCOUNT),
        ..empty(&d)
    };
    let plan = up(&d, &o, &code()).unwrap();
    assert_eq!(plan.action(Kind::Function), &Action::Create);
    assert_eq!(plan.reserve_on_create, None);
    assert_eq!(
        plan.notes,
        [Note::NoReservation {
            wanted: 5,
            kept: None,
            account: NEW_ACCOUNT
        }]
    );
    let shown = plan.to_string();
    assert!(
        shown.contains("reserved concurrency 5 is not possible"),
        "{shown}"
    );
    assert!(shown.contains("limit is 10"), "{shown}");
    assert!(shown.contains("AWS keeps 10 unreserved"), "{shown}");
    assert_eq!(plan.to_json()["notes"].as_array().unwrap().len(), 1);

    // A converged stack on that account (no reservation) is a no-op.
    let mut o = converged(&d);
    func(&mut o).reserved_concurrency = None;
    o.concurrency = Some(NEW_ACCOUNT);
    let plan = up(&d, &o, &code()).unwrap();
    assert!(plan.is_noop(), "{plan}");
    assert_eq!(plan.notes.len(), 1);

    // Once the limit is raised, the cap is put in place.
    o.concurrency = Some(ROOMY);
    let plan = up(&d, &o, &code()).unwrap();
    assert_eq!(
        plan.action(Kind::Function),
        &update(Change::Concurrency(None, Some(5)))
    );
    assert!(plan.notes.is_empty());
}

#[test]
fn a_fresh_up_on_a_roomy_account_reserves_once_the_function_exists() {
    let d = desired();
    let plan = up(&d, &empty(&d), &code()).unwrap();
    assert_eq!(plan.reserve_on_create, Some(5));
    assert!(plan.notes.is_empty());
}

#[test]
fn the_floor_is_a_hundred_or_the_whole_limit_when_lower() {
    let acct = |limit, unreserved| Some(AccountConcurrency { limit, unreserved });
    // 1000 with 900 unreserved: 800 leaves 100, 801 leaves 99.
    assert_eq!(
        concurrency_change(Some(800), None, acct(1000, 900)),
        Ok(Some(Change::Concurrency(None, Some(800))))
    );
    assert!(concurrency_change(Some(801), None, acct(1000, 900)).is_err());
    // Our own reservation counts as free when we change it.
    assert_eq!(
        concurrency_change(Some(850), Some(50), acct(1000, 900)),
        Ok(Some(Change::Concurrency(Some(50), Some(850))))
    );
    // Limit 50: the floor is 50, so nothing fits.
    assert!(concurrency_change(Some(1), None, acct(50, 50)).is_err());
    // No reservation wanted: an existing one is removed, none is left alone.
    assert_eq!(
        concurrency_change(None, Some(5), acct(10, 5)),
        Ok(Some(Change::Concurrency(Some(5), None)))
    );
    assert_eq!(concurrency_change(None, None, acct(10, 10)), Ok(None));
}

#[test]
fn unauth_role_is_updated_when_its_pool_is_about_to_be_created() {
    let d = desired();
    let plan = up(
        &d,
        &Observed {
            pools: Vec::new(),
            ..converged(&d)
        },
        &code(),
    )
    .unwrap();
    assert_eq!(plan.action(Kind::IdentityPool), &Action::Create);
    assert_eq!(plan.action(Kind::UnauthRole), &update(Change::TrustPolicy));
    assert_eq!(plan.action(Kind::PoolRoles), &Action::Create);
}

#[test]
fn function_changes_ignore_code_when_none_is_given() {
    let d = desired();
    let mut o = converged(&d);
    func(&mut o).code_sha256 = "b2xk".into();
    let arn = role_arn(&d, &d.names.exec_role);
    assert_eq!(
        function_changes(&d.function, &arn, o.function.as_ref().unwrap(), None),
        Vec::<Change>::new()
    );
    assert_eq!(
        function_changes(
            &d.function,
            &arn,
            o.function.as_ref().unwrap(),
            Some(&code())
        ),
        [Change::Code]
    );
}

#[test]
fn environment_change_names_keys_but_never_values() {
    let d = desired();
    let mut o = converged(&d);
    func(&mut o)
        .environment
        .insert("API_KEY".into(), "old-secret-value".into());
    func(&mut o)
        .environment
        .insert("EXTRA".into(), "extra-secret-value".into());
    let plan = up(&d, &o, &code()).unwrap();
    let keys = Change::Environment(vec!["API_KEY".into(), "EXTRA".into()]);
    assert_eq!(plan.action(Kind::Function), &update(keys));
    let shown = format!("{plan}\n{}", plan.to_json());
    assert!(
        shown.contains("API_KEY") && shown.contains("EXTRA"),
        "{shown}"
    );
    for value in [SECRET, "old-secret-value", "extra-secret-value"] {
        assert!(!shown.contains(value), "{value} shown in:\n{shown}");
    }
}

/// After `drift`, both `up` and `teardown` refuse with one `Foreign` error.
fn assert_foreign(
    d: &Desired,
    drift: impl FnOnce(&mut Observed),
    kind: &str,
    name: &str,
    found: &str,
) {
    let mut o = converged(d);
    drift(&mut o);
    for errors in [
        up(d, &o, &code()).unwrap_err(),
        teardown(&d.names, &o).unwrap_err(),
    ] {
        assert_eq!(errors.len(), 1, "{name}: {errors:?}");
        let err = &errors[0];
        let OwnershipError::Foreign {
            kind: k,
            name: n,
            project,
            stage,
            found: f,
        } = err
        else {
            panic!("expected a Foreign error for {name}, got {err:?}");
        };
        assert_eq!(
            (*k, n.as_str(), project.as_str(), stage.as_str()),
            (kind, name, "shop", "dev")
        );
        assert!(f.contains(found), "{f}");
        assert!(err.to_string().contains(name), "{err}");
    }
}

#[test]
fn foreign_resources_stop_up_and_teardown() {
    let d = desired();
    assert_foreign(
        &d,
        |o| exec(o).tags.clear(),
        "IAM role",
        "shop-dev-exec",
        "are none",
    );
    let prod = |o: &mut Observed| unauth(o).tags = Names::new("shop", "prod").tags();
    assert_foreign(
        &d,
        prod,
        "IAM role",
        "shop-dev-unauth",
        "backend-ctl:stage=prod",
    );
    let other = |o: &mut Observed| func(o).tags = Names::new("other", "dev").tags();
    assert_foreign(
        &d,
        other,
        "Lambda function",
        "shop-dev",
        "backend-ctl:project=other",
    );
    let theirs = |o: &mut Observed| group(o).tags = Names::new("other", "dev").tags();
    assert_foreign(
        &d,
        theirs,
        "CloudWatch log group",
        "/aws/lambda/shop-dev",
        "backend-ctl:project=other",
    );
    let untagged = |o: &mut Observed| drop(o.pools[0].tags.remove(crate::desired::TAG_STAGE));
    assert_foreign(
        &d,
        untagged,
        "identity pool",
        &format!("shop-dev ({POOL_ID})"),
        "backend-ctl:project=shop",
    );
}

#[test]
fn two_pools_of_ours_are_repaired_keeping_the_one_the_role_trusts() {
    let d = desired();
    let mut o = converged(&d);
    // "eu-west-1:0-second" sorts first: the trust decides, not the order.
    o.pools.push(PoolState {
        id: "eu-west-1:0-second".into(),
        ..our_pool(&d)
    });
    let plan = up(&d, &o, &code()).unwrap();
    let deletes: Vec<(&Kind, &str)> = plan
        .steps
        .iter()
        .filter(|s| s.action == Action::Delete)
        .map(|s| (&s.kind, s.name.as_str()))
        .collect();
    assert_eq!(deletes, [(&Kind::ExtraPool, "eu-west-1:0-second")]);
    assert!(matches!(
        &plan.notes[..],
        [Note::ExtraPools { kept, deleted }] if kept == POOL_ID && deleted == &["eu-west-1:0-second".to_string()]
    ));
    // Nothing else changes: the kept pool is the converged stack's.
    assert_eq!(plan.counts(), (0, 0, 1));
    // Without a trust to go by (no unauthenticated role yet): the lowest id.
    o.unauth_role = None;
    let plan = up(&d, &o, &code()).unwrap();
    let deleted: Vec<&str> = plan
        .steps
        .iter()
        .filter(|s| s.kind == Kind::ExtraPool)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(deleted, [POOL_ID]);
    // Teardown deletes every pool of ours.
    let o = {
        let mut o = converged(&d);
        o.pools.push(PoolState {
            id: "eu-west-1:0-second".into(),
            ..our_pool(&d)
        });
        o
    };
    let plan = teardown(&d.names, &o).unwrap();
    let pools: Vec<&str> = plan
        .steps
        .iter()
        .filter(|s| matches!(s.kind, Kind::IdentityPool | Kind::ExtraPool))
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(pools, ["shop-dev", "eu-west-1:0-second"]);
    // The commands that only use the pool still refuse to guess.
    match &our_pool_of(&d, &o)[..] {
        [OwnershipError::DuplicatePools { count: 2, ids, .. }] => {
            assert!(
                ids.contains(POOL_ID) && ids.contains("eu-west-1:0-second"),
                "{ids}"
            )
        }
        other => panic!("expected DuplicatePools, got {other:?}"),
    }
}

fn our_pool_of(d: &Desired, o: &Observed) -> Vec<OwnershipError> {
    crate::plan::our_pool(&d.names, &o.pools).unwrap_err()
}

#[test]
fn teardown_deletes_everything_in_reverse_dependency_order() {
    let d = desired();
    let plan = teardown(&d.names, &converged(&d)).unwrap();
    let steps: Vec<(Kind, &str)> = plan
        .steps
        .iter()
        .map(|s| (s.kind, s.name.as_str()))
        .collect();
    let expected = [
        (Kind::UnauthPolicy, "shop-dev-invoke"),
        (Kind::Function, "shop-dev"),
        (Kind::FailedQueue, "shop-dev-failed"),
        (Kind::LogGroup, "/aws/lambda/shop-dev"),
        (Kind::ExecPolicy, "shop-dev-exec"),
        (Kind::UnauthRole, "shop-dev-unauth"),
        (Kind::IdentityPool, "shop-dev"),
        (Kind::ExecRole, "shop-dev-exec"),
    ];
    assert_eq!(steps, expected);
    assert!(
        plan.steps.iter().all(|s| s.action == Action::Delete),
        "{plan}"
    );
    assert_eq!(plan.counts(), (0, 0, 8));
    assert_eq!(plan.to_json()["delete"], 8);
}

#[test]
fn teardown_deletes_only_what_exists() {
    let d = desired();
    assert!(teardown(&d.names, &empty(&d)).unwrap().steps.is_empty());
    let mut o = Observed {
        exec_role: converged(&d).exec_role,
        ..empty(&d)
    };
    exec(&mut o).policy = None;
    let plan = teardown(&d.names, &o).unwrap();
    let kinds: Vec<Kind> = plan.steps.iter().map(|s| s.kind).collect();
    assert_eq!(kinds, [Kind::ExecRole]);
}

#[test]
fn to_json_and_display_count_the_steps() {
    let d = desired();
    let mut o = converged(&d);
    func(&mut o).memory_mb = 512;
    o.exec_role = None;
    let plan = up(&d, &o, &code()).unwrap();
    let j = plan.to_json();
    assert_eq!(
        (
            j["create"].as_u64(),
            j["update"].as_u64(),
            j["delete"].as_u64()
        ),
        (Some(2), Some(1), Some(0))
    );
    assert_eq!(j["steps"].as_array().unwrap().len(), 11);
    let created =
        json!({"resource": "IAM role", "name": "shop-dev-exec", "action": "create", "changes": []});
    assert_eq!(j["steps"][0], created);
    let memory = ["memory 512 → 256 MB"];
    let updated = json!({"resource": "Lambda function", "name": "shop-dev", "action": "update", "changes": memory});
    assert_eq!(j["steps"][4], updated);
    assert_eq!(j["steps"][2]["action"], "keep");
    let shown = plan.to_string();
    assert!(
        shown.ends_with("2 to create, 1 to update, 0 to delete."),
        "{shown}"
    );
    assert!(
        shown.contains("~ update Lambda function shop-dev: memory 512 → 256 MB"),
        "{shown}"
    );
}

#[test]
fn new_code_publishes_a_version_and_moves_the_alias() {
    let d = desired();
    let mut o = converged(&d);
    func(&mut o).code_sha256 = "b2xk".into();
    o.releases.versions[0].config.code_sha256 = "b2xk".into();
    let plan = up(&d, &o, &code()).unwrap();
    let changed: Vec<(Kind, &Action)> = plan
        .steps
        .iter()
        .filter(|s| s.action != Action::Keep)
        .map(|s| (s.kind, &s.action))
        .collect();
    let moved = update(Change::Release {
        from: "1".into(),
        to: "the new version".into(),
    });
    assert_eq!(
        changed,
        [
            (Kind::Function, &update(Change::Code)),
            (Kind::Version, &Action::Create),
            (Kind::Alias, &moved)
        ]
    );
    let release = plan.release.release.as_ref().unwrap();
    assert_eq!(release.revision_id.as_deref(), Some("r1"));
    assert_eq!(release.history, vec![1]);
    assert!(
        plan.to_string().contains("version 1 → the new version"),
        "{plan}"
    );
}

#[test]
fn drift_of_latest_alone_is_put_back_without_a_release() {
    // $LATEST was changed by hand; the alias's version is what the config says.
    let d = desired();
    let mut o = converged(&d);
    func(&mut o).memory_mb = 1024;
    let plan = up(&d, &o, &code()).unwrap();
    assert_eq!(plan.action(Kind::Alias), &Action::Keep);
    assert!(plan.step(Kind::Version).is_none(), "{plan}");
}

#[test]
fn versions_beyond_keep_versions_are_planned_for_deletion() {
    let d = desired();
    let mut o = converged(&d);
    let v1 = o.releases.versions[0].clone();
    // Versions 1..=7 of the same code; the alias on 7.
    o.releases.versions = (1..=7)
        .map(|n| VersionState {
            number: n,
            ..v1.clone()
        })
        .collect();
    o.releases.aliases[0].function_version = "7".into();
    let plan = up(&d, &o, &code()).unwrap();
    let deleted: Vec<&str> = plan
        .steps
        .iter()
        .filter(|s| s.kind == Kind::OldVersion && s.action == Action::Delete)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(deleted, ["2", "1"], "keep_versions 5 keeps 7..3\n{plan}");
}

fn guarded() -> Desired {
    let text = "project = \"shop\"\n[handler]\npath = \"handler\"\n[alarms]\nemail = \"ops@example.com\"\n";
    let config = config::parse(text, Path::new("/p/config.toml"), "dev").unwrap();
    Desired::new(&config, &desired().account)
}

fn guard_steps(plan: &Plan) -> Vec<(Kind, String, Action)> {
    plan.steps
        .iter()
        .filter(|s| {
            matches!(
                s.kind,
                Kind::Topic | Kind::Subscription | Kind::OldSubscription | Kind::Alarm
            )
        })
        .map(|s| (s.kind, s.name.clone(), s.action.clone()))
        .collect()
}

#[test]
fn alarms_are_created_with_their_topic_and_a_confirmation_is_awaited() {
    let d = guarded();
    let plan = up(&d, &empty(&d), &code()).unwrap();
    let steps = guard_steps(&plan);
    assert_eq!(
        steps,
        [
            (Kind::Topic, "shop-dev-alarms".into(), Action::Create),
            (Kind::Subscription, "ops@example.com".into(), Action::Create),
            (Kind::Alarm, "shop-dev-invocations".into(), Action::Create),
            (Kind::Alarm, "shop-dev-errors".into(), Action::Create),
            (Kind::Alarm, "shop-dev-throttles".into(), Action::Create),
            (
                Kind::Alarm,
                "shop-dev-delivery-failures".into(),
                Action::Create
            ),
            (Kind::Alarm, "shop-dev-failed-events".into(), Action::Create),
        ]
    );
    let alarms = &d.guard.as_ref().unwrap().alarms;
    let queue = &alarms[4];
    assert_eq!(
        (queue.namespace, queue.metric, queue.statistic),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum")
    );
    assert_eq!(queue.dimensions["QueueName"], "shop-dev-failed");
    assert_eq!(queue.threshold, 1.0, "one failed event alarms");
    assert_eq!(alarms[3].dimensions["Resource"], "shop-dev:live");
    assert!(plan.notes.contains(&Note::ConfirmEmail {
        email: "ops@example.com".into()
    }));
    let spec = &d.guard.as_ref().unwrap().alarms[0];
    assert_eq!(
        spec.dimensions["Resource"], "shop-dev:live",
        "the alias the app calls"
    );
}

fn guarded_observed(d: &Desired) -> Observed {
    use crate::observed::{AlarmState, SubscriptionState, TopicState};
    let arn = guard::topic_arn(d);
    let mut o = converged(d);
    o.topic = Some(TopicState {
        arn: arn.clone(),
        tags: d.names.tags(),
        subscriptions: vec![SubscriptionState {
            arn: format!("{arn}:sub-1"),
            protocol: "email".into(),
            endpoint: "ops@example.com".into(),
        }],
    });
    o.alarms = d
        .guard
        .as_ref()
        .unwrap()
        .alarms
        .iter()
        .map(|spec| AlarmState {
            name: spec.name.clone(),
            arn: format!(
                "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{}",
                spec.name
            ),
            tags: d.names.tags(),
            namespace: spec.namespace.into(),
            metric: spec.metric.into(),
            dimensions: spec.dimensions.clone(),
            statistic: spec.statistic.into(),
            period: 300,
            evaluation_periods: 1,
            datapoints_to_alarm: Some(1),
            threshold: spec.threshold,
            comparison: "GreaterThanOrEqualToThreshold".into(),
            treat_missing_data: "notBreaching".into(),
            alarm_actions: vec![arn.clone()],
            ok_actions: vec![arn.clone()],
            actions_enabled: true,
            description: spec.description.clone(),
            state: "OK".into(),
            state_reason: String::new(),
        })
        .collect();
    o
}

#[test]
fn converged_alarms_are_kept_drift_is_put_back_and_dropping_them_deletes_them() {
    let d = guarded();
    let o = guarded_observed(&d);
    let plan = up(&d, &o, &code()).unwrap();
    assert!(plan.is_noop(), "{plan}");
    assert!(plan.notes.is_empty(), "confirmed: no note\n{plan}");

    let mut drifted = o.clone();
    drifted.alarms[1].threshold = 500.0;
    drifted.alarms[2].alarm_actions.clear();
    let plan = up(&d, &drifted, &code()).unwrap();
    let changed: Vec<&str> = plan
        .steps
        .iter()
        .filter(|s| matches!(s.action, Action::Update(_)))
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(changed, ["shop-dev-errors", "shop-dev-throttles"], "{plan}");
    assert!(plan.to_string().contains("threshold 500 → 5"), "{plan}");

    // The config without [alarms]: the guard goes.
    let plain = desired();
    let mut o2 = o.clone();
    o2.topic.as_mut().unwrap().arn = guard::topic_arn(&plain);
    let plan = up(&plain, &o2, &code()).unwrap();
    let deleted: Vec<Kind> = plan
        .steps
        .iter()
        .filter(|s| s.action == Action::Delete)
        .map(|s| s.kind)
        .collect();
    assert_eq!(
        deleted,
        [[Kind::Alarm; 5].as_slice(), &[Kind::Topic]].concat()
    );
    // And teardown takes them first.
    let down = teardown(&plain.names, &o2).unwrap();
    assert_eq!(down.steps[0].kind, Kind::Alarm);
    assert!(down.steps.iter().any(|s| s.kind == Kind::Topic));
}

#[test]
fn the_failed_events_alarms_go_when_the_failed_events_are_no_longer_kept() {
    let d = guarded();
    let o = guarded_observed(&d);
    let text = "project = \"shop\"\n[handler]\npath = \"handler\"\n[alarms]\nemail = \"ops@example.com\"\n[function.async]\nkeep_failed = false\n";
    let config = config::parse(text, Path::new("/p/config.toml"), "dev").unwrap();
    let lost = Desired::new(&config, &d.account);
    assert_eq!(lost.guard.as_ref().unwrap().alarms.len(), 3);
    let plan = up(&lost, &o, &code()).unwrap();
    let steps = guard_steps(&plan);
    let deleted: Vec<&str> = steps
        .iter()
        .filter(|(kind, _, action)| *kind == Kind::Alarm && *action == Action::Delete)
        .map(|(_, name, _)| name.as_str())
        .collect();
    assert_eq!(
        deleted,
        ["shop-dev-delivery-failures", "shop-dev-failed-events"],
        "{plan}"
    );
}

#[test]
fn a_topic_or_alarm_of_someone_else_stops_up() {
    let d = guarded();
    let mut o = guarded_observed(&d);
    o.topic.as_mut().unwrap().tags.clear();
    o.alarms[0].tags.clear();
    let errors = up(&d, &o, &code()).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
}

#[test]
fn a_paused_function_stays_paused_unless_resumed() {
    let d = desired();
    let mut o = converged(&d);
    func(&mut o).reserved_concurrency = Some(0);
    let plan = up(&d, &o, &code()).unwrap();
    assert!(plan.is_noop(), "{plan}");
    assert!(plan.to_string().contains("is paused"), "{plan}");
    let plan = up_with(&d, &o, &code(), true).unwrap();
    assert_eq!(
        plan.action(Kind::Function),
        &update(Change::Concurrency(Some(0), Some(5)))
    );
}

// --- the failed events' destination ---------------------------------------------

#[test]
fn a_new_stack_gets_the_queue_and_the_event_invoke_settings() {
    let d = desired();
    let plan = up(&d, &empty(&d), &code()).unwrap();
    assert_eq!(plan.action(Kind::FailedQueue), &Action::Create);
    assert_eq!(plan.action(Kind::EventConfig), &Action::Create);
    assert_eq!(
        d.events.on_failure.as_deref(),
        Some("arn:aws:sqs:eu-west-1:123456789012:shop-dev-failed")
    );
}

#[test]
fn a_converged_destination_is_kept_and_drift_is_named() {
    let d = desired();
    let mut o = converged(&d);
    let plan = up(&d, &o, &code()).unwrap();
    assert_eq!(plan.action(Kind::FailedQueue), &Action::Keep);
    assert_eq!(plan.action(Kind::EventConfig), &Action::Keep);
    if let Some(q) = o.queue.as_mut() {
        q.encrypted = false;
        q.retention_s = Some(345_600);
    }
    o.event_config = Some(EventConfigState {
        retry_attempts: Some(0),
        max_event_age_s: None,
        on_failure: None,
        on_success: None,
    });
    let plan = up(&d, &o, &code()).unwrap();
    let text = plan.to_string();
    assert!(text.contains("encryption none → SQS-managed"), "{text}");
    assert!(text.contains("retention 345600 s → 1209600 s"), "{text}");
    assert!(text.contains("retries 0 → 2"), "{text}");
    assert!(
        text.contains("on-failure destination none → arn:aws:sqs:"),
        "{text}"
    );
    assert!(
        !text.contains("maximum event age"),
        "unset is Lambda's 21600: {text}"
    );
}

#[test]
fn turning_keep_failed_off_deletes_the_queue_last_and_says_what_is_lost() {
    let text = "project = \"shop\"\n[handler]\npath = \"handler\"\n[function.async]\nkeep_failed = false\n";
    let config = config::parse(text, Path::new("/p/config.toml"), "dev").unwrap();
    let d = Desired::new(&config, &desired().account);
    let mut o = converged(&d);
    if let Some(q) = o.queue.as_mut() {
        q.messages = 4;
    }
    o.event_config = Some(EventConfigState {
        retry_attempts: Some(2),
        max_event_age_s: Some(21600),
        on_failure: Some(d.names.failed_queue_arn(&d.account)),
        on_success: None,
    });
    let plan = up(&d, &o, &code()).unwrap();
    let last = plan.steps.last().unwrap();
    assert_eq!(
        (last.kind, &last.action),
        (Kind::FailedQueue, &Action::Delete)
    );
    assert!(matches!(plan.action(Kind::EventConfig), Action::Update(_)));
    let text = plan.to_string();
    assert!(
        text.contains("is lost") && text.contains("4 failed events"),
        "{text}"
    );
    assert!(!d.exec_policy.to_string().contains("sqs:"));
    assert!(desired()
        .exec_policy
        .to_string()
        .contains("sqs:SendMessage"));
}

#[test]
fn teardown_deletes_the_queue_and_counts_the_events_in_it() {
    let d = desired();
    let mut o = converged(&d);
    if let Some(q) = o.queue.as_mut() {
        q.messages = 2;
    }
    let plan = teardown(&d.names, &o).unwrap();
    assert!(plan
        .steps
        .iter()
        .any(|s| s.kind == Kind::FailedQueue && s.action == Action::Delete));
    assert!(plan.to_string().contains("still holds 2 failed events"));
}

#[test]
fn a_queue_with_our_name_and_other_tags_is_not_ours() {
    let d = desired();
    let mut o = converged(&d);
    if let Some(q) = o.queue.as_mut() {
        q.tags = [("team".to_string(), "other".to_string())].into();
    }
    let errors = up(&d, &o, &code()).unwrap_err();
    assert!(
        errors[0].to_string().contains("SQS queue shop-dev-failed"),
        "{}",
        errors[0]
    );
}
