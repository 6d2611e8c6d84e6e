//! Unit tests of the settings `update` passes back: what `DescribeIdentityPool`
//! showed of them, and absent ones left absent.

use super::*;

#[test]
fn settings_we_do_not_manage_go_back_as_they_came() {
    let provider = CognitoIdentityProvider::builder()
        .provider_name("cognito-idp.us-east-1.amazonaws.com/us-east-1_abc")
        .client_id("app")
        .server_side_token_check(true)
        .build();
    let out = DescribeIdentityPoolOutput::builder()
        .identity_pool_id("us-east-1:1")
        .identity_pool_name("shop-dev")
        .allow_unauthenticated_identities(true)
        .supported_login_providers("graph.facebook.com", "123")
        .developer_provider_name("login.shop")
        .open_id_connect_provider_arns("arn:aws:iam::123456789012:oidc-provider/id.shop")
        .cognito_identity_providers(provider.clone())
        .saml_provider_arns("arn:aws:iam::123456789012:saml-provider/shop")
        .build()
        .unwrap();
    let u = state_of(out).unmanaged;
    assert_eq!(
        u.supported_login_providers,
        Some(BTreeMap::from([(
            "graph.facebook.com".into(),
            "123".into()
        )]))
    );
    assert_eq!(u.developer_provider_name.as_deref(), Some("login.shop"));
    assert_eq!(
        u.open_id_connect_provider_arns,
        Some(vec![
            "arn:aws:iam::123456789012:oidc-provider/id.shop".into()
        ])
    );
    assert_eq!(
        u.saml_provider_arns,
        Some(vec!["arn:aws:iam::123456789012:saml-provider/shop".into()])
    );
    let providers = u.cognito_identity_providers.as_deref().unwrap();
    assert_eq!(sdk_providers(providers), vec![provider]);

    // Settings the pool does not have stay absent, not empty.
    let bare = DescribeIdentityPoolOutput::builder()
        .identity_pool_id("us-east-1:2")
        .identity_pool_name("shop-dev")
        .allow_unauthenticated_identities(true)
        .build()
        .unwrap();
    assert_eq!(state_of(bare).unmanaged, Unmanaged::default());
}
