//! Drift: changes made behind the CLI's back, shown by `plan` (which writes
//! nothing) and put right by `up`.

use serde_json::json;

use crate::common::{self, Aws, Project};

#[test]
fn drift_behind_our_back_is_shown_by_plan_and_corrected_by_up() {
    let p = Project::new("drift");
    let names = p.names();
    p.up();
    let aws = Aws::new();
    let pool_id = aws.pools(&names.pool)[0].identity_pool_id().to_string();

    // Someone changes things in the console.
    aws.block(
        aws.lambda
            .update_function_configuration()
            .function_name(&names.function)
            .memory_size(512)
            .send(),
    )
    .unwrap();
    aws.block(
        aws.iam
            .put_role_policy()
            .role_name(&names.unauth_role)
            .policy_name(&names.unauth_policy)
            .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]}).to_string())
            .send(),
    )
    .unwrap();
    aws.block(
        aws.iam
            .update_assume_role_policy()
            .role_name(&names.unauth_role)
            .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}]}).to_string())
            .send(),
    )
    .unwrap();
    aws.block(
        aws.cognito
            .update_identity_pool()
            .identity_pool_id(&pool_id)
            .identity_pool_name(&names.pool)
            .allow_unauthenticated_identities(true)
            .allow_classic_flow(true)
            .send(),
    )
    .unwrap();

    // And someone gives anonymous callers far more than Invoke.
    let admin = aws
        .block(
            aws.iam
                .create_policy()
                .policy_name("drift-admin")
                .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}).to_string())
                .send(),
        )
        .unwrap();
    let admin_arn = admin.policy().unwrap().arn().unwrap().to_string();
    aws.block(
        aws.iam
            .attach_role_policy()
            .role_name(&names.unauth_role)
            .policy_arn(&admin_arn)
            .send(),
    )
    .unwrap();
    aws.block(
        aws.iam
            .put_role_policy()
            .role_name(&names.unauth_role)
            .policy_name("extra")
            .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}).to_string())
            .send(),
    )
    .unwrap();

    p.recorder.clear();
    let plan = p.run(&["plan"]).ok().stdout();
    assert!(
        plan.contains(&format!(
            "remove inline policy extra, managed policy {admin_arn}"
        )),
        "{plan}"
    );
    assert!(plan.contains("memory 512 → 128 MB"), "{plan}");
    assert!(
        plan.contains(&format!(
            "~ update IAM role policy {}: policy document differs",
            names.unauth_policy
        )),
        "{plan}"
    );
    assert!(
        plan.contains(&format!(
            "~ update IAM role {}: trust policy differs",
            names.unauth_role
        )),
        "{plan}"
    );
    assert!(plan.contains("classic flow → off"), "{plan}");
    assert!(
        plan.contains("0 to create, 4 to update, 0 to delete."),
        "{plan}"
    );
    assert_eq!(
        p.recorder.writes(),
        Vec::<String>::new(),
        "plan must not write"
    );

    p.up();
    assert_eq!(
        aws.function(&names.function)
            .unwrap()
            .configuration()
            .unwrap()
            .memory_size(),
        Some(128)
    );
    let invoke = aws
        .role_policy(&names.unauth_role, &names.unauth_policy)
        .unwrap();
    assert_eq!(invoke["Statement"][0]["Action"], "lambda:InvokeFunction");
    let trust = common::decode(
        aws.role(&names.unauth_role)
            .unwrap()
            .assume_role_policy_document()
            .unwrap(),
    );
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"]["cognito-identity.amazonaws.com:aud"],
        pool_id.as_str()
    );
    assert_eq!(aws.pools(&names.pool)[0].allow_classic_flow(), Some(false));
    let attached = aws
        .block(
            aws.iam
                .list_attached_role_policies()
                .role_name(&names.unauth_role)
                .send(),
        )
        .unwrap();
    assert!(
        attached.attached_policies().is_empty(),
        "the managed policy is detached"
    );
    let inline = aws
        .block(
            aws.iam
                .list_role_policies()
                .role_name(&names.unauth_role)
                .send(),
        )
        .unwrap();
    assert_eq!(
        inline.policy_names(),
        std::slice::from_ref(&names.unauth_policy),
        "only our inline policy is left"
    );

    p.recorder.clear();
    let plan = p.run(&["plan"]).ok().stdout();
    assert!(
        plan.contains("0 to create, 0 to update, 0 to delete."),
        "{plan}"
    );
}
