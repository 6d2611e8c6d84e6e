//! Unit tests of how refusals are read: the denied action and resource in
//! AWS's own wordings, and the hint for an opt-in region.

use super::*;

#[test]
fn a_denial_names_the_action_and_the_resource_arn() {
    let m = "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: lambda:CreateFunction on resource: arn:aws:lambda:eu-west-1:123456789012:function:shop-dev because no identity-based policy allows the lambda:CreateFunction action";
    let d = denied_from_message(m).unwrap();
    assert_eq!(d.iam_action, "lambda:CreateFunction");
    assert_eq!(
        d.resource.as_deref(),
        Some("arn:aws:lambda:eu-west-1:123456789012:function:shop-dev")
    );
}

#[test]
fn iams_own_wording_of_the_resource_is_kept_whole() {
    let m = "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: iam:GetRole on resource: role shop-dev-exec because no identity-based policy allows the iam:GetRole action";
    let d = denied_from_message(m).unwrap();
    assert_eq!(d.iam_action, "iam:GetRole");
    assert_eq!(d.resource.as_deref(), Some("role shop-dev-exec"));
    let m = "User: arn:aws:sts::123456789012:assumed-role/ci/x is not authorized to perform: logs:CreateLogGroup on resource: arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/shop-dev:log-stream: with an explicit deny in a service control policy";
    let d = denied_from_message(m).unwrap();
    assert_eq!(
        d.resource.as_deref(),
        Some("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/shop-dev:log-stream:")
    );
}

#[test]
fn a_denial_without_a_resource_names_the_action() {
    let m = "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: lambda:GetAccountSettings because no identity-based policy allows the lambda:GetAccountSettings action";
    let d = denied_from_message(m).unwrap();
    assert_eq!(d.iam_action, "lambda:GetAccountSettings");
    assert_eq!(d.resource, None);
    assert_eq!(denied_from_message("Access denied"), None);
}

#[test]
fn cognitos_refusal_to_pass_a_role_is_a_denied_pass_role() {
    let m = "Access to Role 'arn:aws:iam::123456789012:role/shop-dev-unauth' is forbidden.";
    let d = denied_pass_role(Some("NotAuthorizedException"), m).unwrap();
    assert_eq!(d.iam_action, "iam:PassRole");
    assert_eq!(
        d.resource.as_deref(),
        Some("arn:aws:iam::123456789012:role/shop-dev-unauth")
    );
    // An unauthenticated login refused is not a permission of ours.
    assert_eq!(
        denied_pass_role(
            Some("NotAuthorizedException"),
            "Unauthenticated access is not supported for this identity pool."
        ),
        None
    );
}

#[test]
fn refused_credentials_in_an_opt_in_region_name_the_region() {
    let hint = refused_credentials_hint(Some("af-south-1"));
    assert!(hint.contains("af-south-1 is an opt-in region"), "{hint}");
    assert!(
        hint.contains("enable-region --region-name af-south-1"),
        "{hint}"
    );
    let hint = refused_credentials_hint(Some("eu-west-1"));
    assert!(!hint.contains("opt-in"), "{hint}");
}
