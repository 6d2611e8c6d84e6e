//! Ownership: resources with our names that are not ours are never adopted,
//! changed or deleted; two pools of ours become one stack again.

use serde_json::{json, Value};

use super::{half_done_up, our_tags};
use crate::common::{self, Aws, Project};

#[test]
fn a_foreign_role_with_our_name_stops_up_and_teardown_untouched() {
    let p = Project::new("foreign");
    let names = p.names();
    let aws = Aws::new();
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    aws.block(
        aws.iam
            .create_role()
            .role_name(&names.exec_role)
            .assume_role_policy_document(trust.to_string())
            .send(),
    )
    .unwrap();

    p.run(&["up", "--yes"]).fails(
        4,
        &format!(
            "IAM role {} exists but is not owned by backend-ctl",
            names.exec_role
        ),
    );
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    p.run(&["teardown", "--yes"]).fails(4, &names.exec_role);
    assert_eq!(p.recorder.writes(), Vec::<String>::new());

    let role = aws
        .role(&names.exec_role)
        .expect("the foreign role is still there");
    assert!(role.tags().is_empty());
    assert_eq!(
        common::decode(role.assume_role_policy_document().unwrap()),
        trust
    );
    assert!(
        aws.pools(&names.pool).is_empty(),
        "nothing was created next to it"
    );
}

#[test]
fn a_foreign_function_and_a_foreign_pool_are_never_adopted() {
    let p = Project::new("foreignpool");
    let names = p.names();
    let aws = Aws::new();
    aws.block(
        aws.cognito
            .create_identity_pool()
            .identity_pool_name(&names.pool)
            .allow_unauthenticated_identities(false)
            .send(),
    )
    .unwrap();
    p.run(&["up", "--yes"])
        .fails(4, &format!("identity pool {}", names.pool));
    p.run(&["teardown", "--yes"])
        .fails(4, "not owned by backend-ctl");
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    let pools = aws.pools(&names.pool);
    assert_eq!(pools.len(), 1);
    assert!(
        !pools[0].allow_unauthenticated_identities(),
        "the foreign pool is untouched"
    );
}

/// A second pool with our name and tags, as two runs at once made before
/// the stack's lock existed.
fn second_pool(aws: &Aws, p: &Project) -> String {
    let out = aws
        .block(
            aws.cognito
                .create_identity_pool()
                .identity_pool_name(&p.names().pool)
                .allow_unauthenticated_identities(true)
                .set_identity_pool_tags(Some(our_tags(&p.name).into_iter().collect()))
                .send(),
        )
        .unwrap();
    out.identity_pool_id().to_string()
}

#[test]
fn a_stack_with_two_pools_of_ours_is_repaired_by_up_and_torn_down_whole() {
    let p = Project::new("twopools");
    let names = p.names();
    let aws = Aws::new();
    p.up();
    let kept = aws.pools(&names.pool)[0].identity_pool_id().to_string();
    let extra = second_pool(&aws, &p);
    assert_eq!(aws.pools(&names.pool).len(), 2);
    // invoke, which only uses the pool, does not guess; it names the fix.
    let run = p
        .run(&["invoke", "--payload", "{}"])
        .fails(4, "2 identity pools are named");
    assert!(
        run.stderr().contains("`backend-ctl up` repairs the stack"),
        "{}",
        run.stderr()
    );
    // up keeps the pool the unauthenticated role trusts, deletes the other,
    // says so, and changes nothing else.
    p.recorder.clear();
    let run = p.up();
    assert!(
        run.stderr().contains(&format!("keeping {kept}")) && run.stderr().contains(&extra),
        "{}",
        run.stderr()
    );
    assert_eq!(p.recorder.writes(), ["cognito-identity:DeleteIdentityPool"]);
    let pools = aws.pools(&names.pool);
    assert_eq!(pools.len(), 1);
    assert_eq!(pools[0].identity_pool_id(), kept);
    let app: Value =
        serde_json::from_str(&std::fs::read_to_string(p.app_config_path()).unwrap()).unwrap();
    assert_eq!(app["BackendCtl"]["IdentityPoolId"], kept.as_str());
    p.run(&[
        "invoke",
        "--payload",
        r#"{"firstName": "Ada", "lastName": "Lovelace"}"#,
    ])
    .ok();
    // teardown deletes every pool of ours, however many.
    second_pool(&aws, &p);
    second_pool(&aws, &p);
    p.run(&["teardown", "--yes"]).ok();
    assert!(aws.nothing_left(&p.name));
}

#[test]
fn two_pools_and_nothing_else_become_one_stack() {
    let p = Project::new("twobare");
    let aws = Aws::new();
    let (a, b) = (second_pool(&aws, &p), second_pool(&aws, &p));
    let run = p.up();
    // No role trusts either yet: the lowest id is kept.
    let (kept, gone) = if a < b { (a, b) } else { (b, a) };
    assert!(
        run.stderr().contains(&format!("keeping {kept}")),
        "{}",
        run.stderr()
    );
    let pools = aws.pools(&p.names().pool);
    assert_eq!(pools.len(), 1);
    assert_eq!(pools[0].identity_pool_id(), kept);
    assert_ne!(kept, gone);
    p.recorder.clear();
    p.up();
    assert!(p.recorder.writes().is_empty(), "{:?}", p.recorder.writes());
    p.run(&["teardown", "--yes"]).ok();
    assert!(aws.nothing_left(&p.name));
}

/// A function named like ours, made by someone else (no tags).
fn foreign_function(aws: &Aws, name: &str) {
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let role = aws
        .block(
            aws.iam
                .create_role()
                .role_name(format!("{name}-theirs"))
                .assume_role_policy_document(trust.to_string())
                .send(),
        )
        .unwrap();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("bootstrap", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut zip, b"theirs").unwrap();
    let zip = zip.finish().unwrap().into_inner();
    aws.block(
        aws.lambda
            .create_function()
            .function_name(name)
            .runtime(aws_sdk_lambda::types::Runtime::from("provided.al2023"))
            .handler("bootstrap")
            .role(role.role().unwrap().arn())
            .memory_size(256)
            .code(
                aws_sdk_lambda::types::FunctionCode::builder()
                    .zip_file(aws_sdk_lambda::primitives::Blob::new(zip))
                    .build(),
            )
            .send(),
    )
    .unwrap();
}

#[test]
fn a_foreign_function_with_our_name_is_never_modified_or_deleted() {
    let p = Project::new("foreignfn");
    let aws = Aws::new();
    foreign_function(&aws, &p.names().function);
    p.run(&["up", "--yes"]).fails(
        4,
        "Lambda function foreignfn-dev exists but is not owned by backend-ctl",
    );
    p.run(&["update-code"]).fails(4, "not owned by backend-ctl");
    p.run(&["teardown", "--yes"])
        .fails(4, "Lambda function foreignfn-dev");
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
    let f = aws.function(&p.names().function).expect("still there");
    assert_eq!(f.configuration().unwrap().memory_size(), Some(256));
}

#[test]
fn a_half_owned_stack_is_reported_not_destroyed() {
    let p = Project::new("halfowned");
    let aws = Aws::new();
    half_done_up(&p, &aws); // our role and pool
    foreign_function(&aws, &p.names().function); // their function
    let run = p
        .run(&["teardown", "--yes"])
        .fails(4, "Lambda function halfowned-dev exists but is not owned");
    assert_eq!(
        p.recorder.writes(),
        Vec::<String>::new(),
        "{}",
        run.stderr()
    );
    assert!(
        aws.role(&p.names().exec_role).is_some(),
        "our role is kept until the conflict is resolved"
    );
    assert_eq!(aws.pools(&p.names().pool).len(), 1);
    assert!(aws.function(&p.names().function).is_some());
}
