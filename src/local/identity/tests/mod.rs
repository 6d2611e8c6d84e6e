//! The caller identity of local runs: the flag, and what the handler is handed.

use super::*;

#[test]
fn no_flag_is_the_stand_in_of_the_region() {
    let id = from_flag(None, "eu-west-1").unwrap().unwrap();
    assert_eq!(
        id.identity_id,
        "eu-west-1:00000000-0000-0000-0000-000000000001"
    );
    assert_eq!(id.pool_id, "eu-west-1:00000000-0000-0000-0000-000000000000");
}

#[test]
fn a_chosen_id_is_kept_and_none_is_no_identity() {
    let id = from_flag(
        Some("us-east-1:4f1c0b9e-aaaa-bbbb-cccc-0123456789ab"),
        "us-east-1",
    );
    assert_eq!(
        id.unwrap().unwrap().identity_id,
        "us-east-1:4f1c0b9e-aaaa-bbbb-cccc-0123456789ab"
    );
    assert_eq!(from_flag(Some("none"), "us-east-1"), Ok(None));
}

#[test]
fn ids_not_shaped_as_cognitos_are_refused_with_a_hint() {
    let long = format!("us-east-1:{}", "a".repeat(50));
    for bad in [
        "alice",
        ":abc",
        "us-east-1:",
        "us-east-1:not-hex!",
        long.as_str(),
    ] {
        let err = from_flag(Some(bad), "us-east-1").unwrap_err();
        assert!(err.contains("is not a Cognito identity id"), "{bad}: {err}");
        assert!(
            err.contains("hint: e.g. --identity us-east-1:"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn the_header_has_the_keys_lambda_sends() {
    let header = CallerIdentity::stand_in("us-east-1").header();
    let value: serde_json::Value = serde_json::from_str(&header).unwrap();
    assert_eq!(
        value["cognitoIdentityId"],
        "us-east-1:00000000-0000-0000-0000-000000000001"
    );
    assert_eq!(
        value["cognitoIdentityPoolId"],
        "us-east-1:00000000-0000-0000-0000-000000000000"
    );
}
