//! Least privilege, proven on what `up` actually put in the emulator: the
//! policies pass `parliament` with no finding, and no secret ever reaches
//! the output, even at `-vv`.

mod common;

use std::process::{Command, Stdio};

use common::{Aws, Project};

/// Findings of parliament (PyPI) on a policy document; empty when clean.
fn parliament(policy: &serde_json::Value) -> String {
    let out = Command::new(common::repo().join(".venv/bin/parliament"))
        .arg("--string")
        .arg(policy.to_string())
        .arg("--json")
        .stdin(Stdio::null())
        .output()
        .expect("run parliament (scripts/setup-venv.sh installs it)");
    let findings = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code() == Some(0),
        findings.trim().is_empty(),
        "{findings}"
    );
    findings
}

#[test]
fn the_policies_up_puts_in_iam_pass_parliament() {
    // The checker itself catches a mistake (so a clean result means something).
    let sloppy = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]});
    assert!(parliament(&sloppy).contains("RESOURCE_STAR"));

    let p = Project::new("parliament");
    p.up();
    let aws = Aws::new();
    let n = p.names();
    for (role, policy) in [
        (&n.exec_role, &n.exec_policy),
        (&n.unauth_role, &n.unauth_policy),
    ] {
        let doc = aws.role_policy(role, policy).expect("policy");
        assert_eq!(parliament(&doc), "", "{policy}: {doc}");
    }
}

#[test]
fn no_secret_appears_in_any_output_even_at_vv() {
    let secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRET";
    let token = "FwoGZXIvYXdzEXAMPLE-SESSION-TOKEN";
    let env: &[(&str, Option<&str>)] = &[
        ("AWS_ACCESS_KEY_ID", Some("AKIAEXAMPLEKEYID")),
        ("AWS_SECRET_ACCESS_KEY", Some(secret)),
        ("AWS_SESSION_TOKEN", Some(token)),
    ];
    let p = Project::new("secrets");
    let aws = Aws::new();
    let mut output = String::new();
    for args in [
        &["-vv", "up", "--yes"][..],
        &["-vv", "plan"],
        &[
            "-vv",
            "invoke",
            "--logs",
            "--payload",
            r#"{"firstName": "Ada", "lastName": "Lovelace"}"#,
        ],
        &["-vv", "update-code"],
        &["-vv", "--output", "json", "up", "--yes"],
        &["-vv", "teardown", "--yes"],
    ] {
        if args.contains(&"invoke") {
            // The identity's temporary credentials, the ones this invoke
            // used (the emulator lists them), must not leak either.
            let run = p.run_with(args, env).ok();
            let all = format!("{}{}", run.stdout(), run.stderr());
            let pool = aws.pools(&p.names().pool)[0].identity_pool_id().to_string();
            let issued = common::issued_credentials(&pool);
            assert_eq!(issued.len(), 1, "{issued:?}");
            for key in ["SecretKey", "SessionToken"] {
                let leaked = issued[0][key].as_str().unwrap();
                assert!(
                    !all.contains(leaked),
                    "{args:?} printed a temporary credential"
                );
            }
            output.push_str(&all);
            continue;
        }
        let run = p.run_with(args, env).ok();
        output.push_str(&run.stdout());
        output.push_str(&run.stderr());
    }
    assert!(output.len() > 1000, "-vv said little: {output}");
    assert!(!output.contains(secret), "the secret key was printed");
    assert!(!output.contains(token), "the session token was printed");
}
