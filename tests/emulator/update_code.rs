//! `update-code`: the code alone, uploaded only when it changed.

use super::sorted;
use crate::common::{Aws, Project};

#[test]
fn update_code_uploads_only_changed_code_and_touches_nothing_else() {
    let p = Project::new("code").with_handler_copy();
    let names = p.names();
    p.up();
    let aws = Aws::new();
    let before = aws
        .function(&names.function)
        .unwrap()
        .configuration()
        .unwrap()
        .code_sha256()
        .unwrap()
        .to_string();

    // Unchanged code: one round of reads, no upload.
    p.recorder.clear();
    let run = p.run(&["update-code"]).ok();
    assert!(run.stdout().starts_with("unchanged"), "{}", run.stdout());
    let calls: Vec<String> = p
        .recorder
        .calls()
        .iter()
        .map(|c| format!("{}:{}", c.service, c.action))
        .collect();
    assert_eq!(
        sorted(calls),
        [
            "lambda:GetFunction",
            "lambda:ListAliases",
            "lambda:ListVersionsByFunction"
        ]
    );

    // Changed code: one upload, the wait, a release; no IAM or Cognito call.
    let main = p.handler.join("src/main.rs");
    let source = std::fs::read_to_string(&main).unwrap();
    std::fs::write(
        &main,
        source.replace("Hello, {first} {last}.", "Hi there, {first} {last}!"),
    )
    .unwrap();
    p.recorder.clear();
    p.run(&["update-code"]).ok();
    assert_eq!(
        p.recorder.writes(),
        vec![
            "lambda:UpdateFunctionCode",
            "lambda:PublishVersion",
            "lambda:UpdateAlias"
        ]
    );
    // The stack's lock aside (a log group held during the upload).
    assert!(
        p.recorder
            .calls()
            .iter()
            .all(|c| c.service == "lambda" || c.lock),
        "{:?}",
        p.recorder.calls()
    );
    assert_eq!(
        p.recorder.lock_writes(),
        ["logs:CreateLogGroup", "logs:DeleteLogGroup"]
    );
    let after = aws
        .function(&names.function)
        .unwrap()
        .configuration()
        .unwrap()
        .code_sha256()
        .unwrap()
        .to_string();
    assert_ne!(before, after);

    // And `up` now sees nothing to do: the code it builds is what is deployed.
    p.recorder.clear();
    p.up();
    assert_eq!(p.recorder.writes(), Vec::<String>::new());
}

#[test]
fn update_code_without_a_deployment_says_to_run_up() {
    let p = Project::new("nocode");
    let run = p
        .run(&["update-code"])
        .fails(4, "run `backend-ctl up` first");
    assert_eq!(
        p.recorder.writes(),
        Vec::<String>::new(),
        "{}",
        run.stderr()
    );
}
