//! `teardown`, and what an interrupted `up` leaves: removed by `teardown`,
//! finished by the next `up`.

use serde_json::json;

use super::{half_done_up, sorted};
use crate::common::{Aws, Project};

#[test]
fn teardown_leaves_nothing_and_twice_is_fine() {
    let p = Project::new("down");
    let names = p.names();
    p.up();
    p.recorder.clear();
    p.run(&["teardown", "--yes"]).ok();
    let aws = Aws::new();
    assert!(aws.role(&names.exec_role).is_none());
    assert!(aws.role(&names.unauth_role).is_none());
    assert!(aws.function(&names.function).is_none());
    assert!(aws.pools(&names.pool).is_empty());
    assert!(aws.queue(&names.failed_queue).is_none());
    assert_eq!(
        sorted(p.recorder.writes()),
        sorted(
            [
                "cognito-identity:DeleteIdentityPool",
                "iam:DeleteRole",
                "iam:DeleteRole",
                "iam:DeleteRolePolicy",
                "iam:DeleteRolePolicy",
                "lambda:DeleteFunction",
                "logs:DeleteLogGroup",
                "sqs:DeleteQueue",
            ]
            .map(String::from)
            .to_vec()
        )
    );
    assert!(aws.log_group(&names.log_group).is_none());
    // The log group goes after the function, which would make it again.
    let calls = p.recorder.calls();
    let at = |action: &str| calls.iter().position(|c| c.action == action).unwrap();
    assert!(at("DeleteFunction") < at("DeleteLogGroup"));
    p.recorder.clear();
    let again = p.run(&["teardown", "--yes"]).ok();
    assert!(
        again.stdout().contains("deleted 0 resources"),
        "{}",
        again.stdout()
    );
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
}

#[test]
fn teardown_after_a_half_done_up_removes_what_was_made() {
    let p = Project::new("halfdown");
    let aws = Aws::new();
    half_done_up(&p, &aws);
    p.run(&["teardown", "--yes"]).ok();
    assert!(aws.role(&p.names().exec_role).is_none());
    assert!(aws.pools(&p.names().pool).is_empty());
}

#[test]
fn up_after_a_half_done_up_finishes_the_job_without_a_second_pool() {
    let p = Project::new("halfup");
    let aws = Aws::new();
    half_done_up(&p, &aws);
    p.up();
    assert_eq!(aws.pools(&p.names().pool).len(), 1);
    assert!(aws.function(&p.names().function).is_some());
    assert!(aws
        .role_policy(&p.names().unauth_role, &p.names().unauth_policy)
        .is_some());
    p.recorder.clear();
    p.up();
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
}

#[test]
fn teardown_removes_policies_others_put_on_our_roles_in_its_first_round() {
    let p = Project::new("downextra");
    let names = p.names();
    p.up();
    let aws = Aws::new();
    aws.block(
        aws.iam
            .put_role_policy()
            .role_name(&names.exec_role)
            .policy_name("added-by-hand")
            .policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}).to_string())
            .send(),
    )
    .unwrap();
    p.recorder.clear();
    p.run(&["teardown", "--yes"]).ok();
    assert!(aws.nothing_left(&p.name));
    // What teardown did under the stack's lock (after a first read, the
    // lock taken, then the reads its plan comes from).
    let all = p.recorder.calls();
    let locked = all.iter().position(|c| c.lock).expect("the lock was taken");
    let calls: Vec<String> = all[locked..].iter().map(|c| c.action.clone()).collect();
    let count = |a: &str| calls.iter().filter(|c| *c == a).count();
    // Read once (with the roles), removed before the roles: IAM never had to
    // refuse a DeleteRole, and nothing was listed twice.
    assert_eq!(count("ListRolePolicies"), 2, "{calls:?}");
    assert_eq!(count("DeleteRole"), 2, "{calls:?}");
    assert_eq!(count("DeleteRolePolicy"), 3, "{calls:?}");
    assert_eq!(count("DeleteLogGroup"), 2, "ours, then the lock: {calls:?}");
}
