//! IAM's policy-size quotas, counted as IAM counts them (whitespace
//! excluded), and which forms of policy a document fits. Pure.

use serde_json::Value;

/// A user's inline policies, all together.
pub const USER_INLINE: usize = 2_048;
/// A group's inline policies, all together.
pub const GROUP_INLINE: usize = 5_120;
/// One managed policy.
pub const MANAGED: usize = 6_144;
/// A role's inline policies, all together.
pub const ROLE_INLINE: usize = 10_240;

/// The forms a policy can be given to IAM in, with their quotas.
pub const FORMS: &[(&str, usize)] = &[
    ("a user's inline policy", USER_INLINE),
    ("a group's inline policy", GROUP_INLINE),
    ("a managed policy", MANAGED),
    ("a role's inline policy", ROLE_INLINE),
];

/// The size IAM counts: the document's characters, whitespace excluded.
pub fn size(doc: &Value) -> usize {
    serde_json::to_string(doc)
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}

/// "N characters (whitespace excluded): fits …; too large for …".
pub fn fits(size: usize) -> String {
    let (fit, too_large): (Vec<_>, Vec<_>) = FORMS.iter().partition(|(_, limit)| size <= *limit);
    let list = |forms: Vec<&(&str, usize)>| {
        forms
            .iter()
            .map(|(name, limit)| format!("{name} ({})", thousands(*limit)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = format!("{} characters (whitespace excluded)", thousands(size));
    if !fit.is_empty() {
        out.push_str(&format!(": fits {}", list(fit)));
    }
    if !too_large.is_empty() {
        out.push_str(&format!("; too large for {}", list(too_large)));
    }
    out
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whitespace_does_not_count() {
        let compact = json!({"Version": "2012-10-17"});
        assert_eq!(size(&compact), r#"{"Version":"2012-10-17"}"#.len());
        let spaced = json!({"Sid": "a b c"});
        assert_eq!(size(&spaced), r#"{"Sid":"abc"}"#.len());
    }

    #[test]
    fn the_forms_a_size_fits_are_named_with_their_quotas() {
        let text = fits(2_919);
        assert!(text.starts_with("2,919 characters (whitespace excluded): fits a group's inline policy (5,120), a managed policy (6,144), a role's inline policy (10,240); too large for a user's inline policy (2,048)"), "{text}");
        assert!(fits(2_048).contains("fits a user's inline policy (2,048)"));
        assert!(!fits(20_000).contains("fits"), "{}", fits(20_000));
    }
}
