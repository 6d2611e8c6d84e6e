//! Unit tests of the role mappings' round trip: what `GetIdentityPoolRoles`
//! gave is what `SetIdentityPoolRoles` gets back.

use super::*;

fn rule(claim: &str, match_type: MappingRuleMatchType, role: &str) -> types::MappingRule {
    types::MappingRule::builder()
        .claim(claim)
        .match_type(match_type)
        .value("paid")
        .role_arn(format!("arn:aws:iam::123456789012:role/{role}"))
        .build()
        .unwrap()
}

#[test]
fn a_role_mapping_goes_back_as_it_came() {
    let rules = types::RoleMapping::builder()
        .r#type(RoleMappingType::Rules)
        .ambiguous_role_resolution(AmbiguousRoleResolutionType::Deny)
        .rules_configuration(
            RulesConfigurationType::builder()
                .rules(rule("plan", MappingRuleMatchType::Equals, "paid"))
                .rules(rule("plan", MappingRuleMatchType::NotEqual, "free"))
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let token = types::RoleMapping::builder()
        .r#type(RoleMappingType::Token)
        .ambiguous_role_resolution(AmbiguousRoleResolutionType::AuthenticatedRole)
        .build()
        .unwrap();
    // A value this SDK does not know is passed back as AWS spelled it.
    let newer = types::RoleMapping::builder()
        .r#type(RoleMappingType::from("Claims"))
        .build()
        .unwrap();
    for mapping in [rules, token, newer] {
        assert_eq!(sdk_mapping(&mapping_of(&mapping)).unwrap(), mapping);
    }
}
