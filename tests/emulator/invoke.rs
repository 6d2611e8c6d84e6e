//! `invoke`: the app's own path (an unauthenticated identity's credentials),
//! and its wait while the pool's role attachment propagates.

use crate::common::{self, Aws, Project};

#[test]
fn invoke_takes_the_apps_path_with_the_identitys_own_credentials() {
    let p = Project::new("invoke");
    p.up();
    p.recorder.clear();
    let event = r#"{"firstName":"Ada","lastName":"Lovelace"}"#;
    let run = p.run(&["invoke", "--payload", event]).ok();
    // The emulator's Lambda ran the uploaded handler.
    assert_eq!(
        run.stdout().trim(),
        r#"{"greetings":"Hello, Ada Lovelace."}"#
    );

    let calls = p.recorder.calls();
    let at = |action: &str| {
        calls
            .iter()
            .position(|c| c.action == action)
            .unwrap_or_else(|| panic!("no {action} in {calls:?}"))
    };
    let (get_id, get_creds, invoke) = (at("GetId"), at("GetCredentialsForIdentity"), at("Invoke"));
    assert!(get_id < get_creds && get_creds < invoke, "{calls:?}");
    assert_eq!(calls[get_id].access_key, "", "GetId is unsigned");
    assert_eq!(
        calls[get_creds].access_key, "",
        "GetCredentialsForIdentity is unsigned"
    );
    // Invoke is signed with the identity's temporary credentials, not ours:
    // the one credential Cognito issued for the pool.
    let aws = Aws::new();
    let pool = aws.pools(&p.names().pool)[0].identity_pool_id().to_string();
    let issued = common::issued_credentials(&pool);
    assert_eq!(issued.len(), 1, "{issued:?}");
    assert_eq!(calls[invoke].access_key, issued[0]["AccessKeyId"]);
    assert_ne!(calls[invoke].access_key, "testing");
    assert_eq!(
        p.recorder
            .writes()
            .iter()
            .filter(|w| !w.ends_with(":Invoke"))
            .count(),
        0,
        "{:?}",
        p.recorder.writes()
    );

    let run = p.run(&["invoke", "--async", "--payload", event]).ok();
    assert!(
        run.stdout().contains("accepted (status 202)"),
        "{}",
        run.stdout()
    );
}

#[test]
fn invoke_before_up_says_to_run_up() {
    let p = Project::new("invokenone");
    p.run(&["invoke"]).fails(4, "run `backend-ctl up` first");
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
}

#[test]
fn invoke_waits_while_the_role_attachment_propagates() {
    let p = Project::new("attach");
    p.up();
    let aws = Aws::new();
    let pool_id = aws.pools(&p.names().pool)[0].identity_pool_id().to_string();
    let roles = aws
        .block(
            aws.cognito
                .get_identity_pool_roles()
                .identity_pool_id(&pool_id)
                .send(),
        )
        .unwrap();
    // As right after `up` on AWS: the pool does not hand out the role yet.
    aws.block(
        aws.cognito
            .set_identity_pool_roles()
            .identity_pool_id(&pool_id)
            .set_roles(Some(Default::default()))
            .send(),
    )
    .unwrap();
    let child = p
        .command(&["invoke", "--payload", r#"{"firstName":"A","lastName":"B"}"#])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    aws.block(
        aws.cognito
            .set_identity_pool_roles()
            .identity_pool_id(&pool_id)
            .set_roles(roles.roles().cloned())
            .send(),
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("waiting for the identity pool's role attachment to propagate"),
        "{stderr}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        r#"{"greetings":"Hello, A B."}"#
    );
}
