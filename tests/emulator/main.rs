//! End-to-end tests of `plan`, `up`, `update-code` and `teardown` against the
//! local emulator (moto + our extension). Every end state is read back from
//! the emulator; every AWS call the CLI makes is counted by a recording proxy.
//!
//! One test binary (one link, one emulator, its tests run in parallel) with a
//! module per area: the stack's lifecycle, drift, update-code, invoke,
//! teardown, and ownership.

#[path = "../common/mod.rs"]
mod common;

mod drift;
mod invoke;
mod lifecycle;
mod ownership;
mod teardown;
mod update_code;

use std::collections::BTreeMap;

use common::{Aws, Project};
use serde_json::{json, Value};

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn our_tags(project: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("backend-ctl:project".to_string(), project.to_string()),
        ("backend-ctl:stage".to_string(), "dev".to_string()),
    ])
}

fn summary(run: &common::Run) -> Value {
    serde_json::from_str(&run.stdout())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout()))
}

/// As if `up` had been killed right after its first level of writes.
fn half_done_up(p: &Project, aws: &Aws) {
    let names = p.names();
    let tags: Vec<aws_sdk_iam::types::Tag> = our_tags(&p.name)
        .into_iter()
        .map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .unwrap()
        })
        .collect();
    aws.block(
        aws.iam
            .create_role()
            .role_name(&names.exec_role)
            .assume_role_policy_document(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}).to_string())
            .set_tags(Some(tags))
            .send(),
    )
    .unwrap();
    aws.block(
        aws.cognito
            .create_identity_pool()
            .identity_pool_name(&names.pool)
            .allow_unauthenticated_identities(true)
            .set_identity_pool_tags(Some(our_tags(&p.name).into_iter().collect()))
            .send(),
    )
    .unwrap();
}
