//! IAM policy documents: rendering ours for the caller's partition, reading
//! back what IAM returns (URL-encoded), and comparing them as JSON values.

pub mod deployer;
pub mod size;

use serde_json::{json, Map, Value};

/// Where the resources live; fills ARNs and template variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub partition: String,
    pub account_id: String,
    pub region: String,
}

/// The variables a policy template may use, as `${name}`.
pub const TEMPLATE_VARS: &[&str] = &[
    "partition",
    "account_id",
    "region",
    "function_name",
    "project",
    "stage",
];

/// Lambda's service principal. The same in every partition: service
/// principals are global (`<service>.amazonaws.com`), and
/// `lambda.amazonaws.com.cn` is refused as an invalid principal. The China
/// Lambda guide says the trust policy "must specify the Lambda service
/// principal (lambda.amazonaws.com)":
/// <https://docs.amazonaws.cn/en_us/lambda/latest/dg/lambda-intro-execution-role.html>.
pub const LAMBDA_PRINCIPAL: &str = "lambda.amazonaws.com";

/// The Cognito Identity principal that issues the pool's tokens, and the
/// prefix of its condition keys (`<principal>:aud`, `<principal>:amr`).
///
/// - `aws`: `cognito-identity.amazonaws.com`
///   (<https://docs.aws.amazon.com/cognito/latest/developerguide/role-trust-and-permissions.html>).
/// - `aws-us-gov`: `cognito-identity-us-gov.amazonaws.com` in us-gov-west-1,
///   `cognito-identity.us-gov-east-1.amazonaws.com` in us-gov-east-1: "your
///   trust policies must grant AssumeRoleWithWebIdentity permission to the
///   cognito-identity-us-gov.amazonaws.com service principal … For AWS
///   GovCloud (US-East), replace … with
///   cognito-identity.us-gov-east-1.amazonaws.com"
///   (<https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-cog.html>).
/// - `aws-cn`: `cognito-identity.amazonaws.com`, as the China copy of the
///   Cognito guide shows for trust policies
///   (<https://docs.amazonaws.cn/en_us/cognito/latest/developerguide/role-trust-and-permissions.html>);
///   only the token *issuer* host differs there
///   (`cognito-identity.cn-north-1.amazonaws.com.cn`, the Logins key of
///   developer identities), which trust policies do not name.
pub fn cognito_principal(partition: &str, region: &str) -> String {
    match partition {
        "aws-us-gov" if region == "us-gov-east-1" => {
            "cognito-identity.us-gov-east-1.amazonaws.com".into()
        }
        "aws-us-gov" => "cognito-identity-us-gov.amazonaws.com".into(),
        _ => "cognito-identity.amazonaws.com".into(),
    }
}

/// Trust policy of the execution role: Lambda may assume it.
pub fn exec_trust() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": LAMBDA_PRINCIPAL},
            "Action": "sts:AssumeRole"
        }]
    })
}

/// The function's own log group, and nothing wider.
pub fn log_group_arn(account: &Account, function: &str) -> String {
    format!(
        "arn:{}:logs:{}:{}:log-group:/aws/lambda/{function}",
        account.partition, account.region, account.account_id
    )
}

/// The execution role's inline policy: writing to its own log group (which
/// backend-ctl makes), plus the user's statements.
pub fn exec_policy(
    account: &Account,
    function: &str,
    failed_queue: Option<&str>,
    extra: &[Value],
    vars: &[(&str, &str)],
) -> Value {
    let group = log_group_arn(account, function);
    // No logs:CreateLogGroup: backend-ctl makes the group before the
    // function, and a function allowed to make it would, if ours were ever
    // deleted, make an untagged one that keeps its logs forever.
    let mut statements = vec![json!({
        "Sid": "OwnLogStreams",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": format!("{group}:log-stream:*")
    })];
    // Lambda sends the records of failed Event calls with the function's
    // own role: to our queue, and nowhere else.
    if let Some(queue) = failed_queue {
        statements.push(json!({
            "Sid": "KeepFailedEvents",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": queue
        }));
    }
    statements.extend(extra.iter().map(|s| substitute(s, vars)));
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// Trust policy of the unauthenticated role: only unauthenticated identities of
/// *our* pool may assume it (without `aud`, any pool's tokens could). The
/// principal and its condition keys follow the account's partition and region.
pub fn unauth_trust(account: &Account, pool_id: &str) -> Value {
    let principal = cognito_principal(&account.partition, &account.region);
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": principal},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {format!("{principal}:aud"): pool_id},
                "ForAnyValue:StringLike": {format!("{principal}:amr"): "unauthenticated"}
            }
        }]
    })
}

/// The unauthenticated role's policy: invoke the alias the app calls,
/// nothing else. Lambda authorizes a call of `fn:live` against the
/// qualified ARN (aws/aws-cdk#19273), so this allows exactly the alias:
/// not `$LATEST`, not a version number, not the bare name. Were the bare
/// ARN allowed too, anyone holding the pool id could call `$LATEST` and
/// step around a rollback.
pub fn invoke_policy(alias_arn: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": alias_arn
        }]
    })
}

/// Parses `policies/execution.json`: `{"Statement": [...]}` with statements
/// that have an `Effect`, an action and a resource, and only known variables.
pub fn parse_extra_statements(text: &str) -> Result<Vec<Value>, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let Some(obj) = doc.as_object() else {
        return Err("must be a JSON object like {\"Statement\": [...]}".into());
    };
    if let Some(key) = obj.keys().find(|k| *k != "Statement" && *k != "Comment") {
        return Err(format!(
            "unknown key \"{key}\"; the file holds only \"Statement\" (and an optional \"Comment\")"
        ));
    }
    let statements = match obj.get("Statement") {
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => return Err("\"Statement\" must be an array of statements".into()),
    };
    for (i, statement) in statements.iter().enumerate() {
        check_statement(statement).map_err(|m| format!("Statement[{i}]: {m}"))?;
    }
    Ok(statements)
}

fn check_statement(statement: &Value) -> Result<(), String> {
    let Some(s) = statement.as_object() else {
        return Err("must be an object".into());
    };
    match s.get("Effect").and_then(Value::as_str) {
        Some("Allow" | "Deny") => {}
        _ => return Err("\"Effect\" must be \"Allow\" or \"Deny\"".into()),
    }
    if !s.contains_key("Action") && !s.contains_key("NotAction") {
        return Err("needs \"Action\" (or \"NotAction\")".into());
    }
    if !s.contains_key("Resource") && !s.contains_key("NotResource") {
        return Err("needs \"Resource\" (or \"NotResource\")".into());
    }
    if s.contains_key("Principal") {
        return Err("an identity policy has no \"Principal\"".into());
    }
    check_vars(statement)
}

fn check_vars(value: &Value) -> Result<(), String> {
    match value {
        Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(start) = rest.find("${") {
                let after = &rest[start + 2..];
                let Some(end) = after.find('}') else {
                    return Err(format!("unclosed \"${{\" in \"{s}\""));
                };
                let name = &after[..end];
                // IAM's own policy variables (${aws:username}, ...) and its
                // escapes (${*}, ${?}, ${$}) pass through.
                let iam_own = name.contains(':') || matches!(name, "*" | "?" | "$");
                if !iam_own && !TEMPLATE_VARS.contains(&name) {
                    return Err(format!(
                        "unknown variable ${{{name}}}; known: {}",
                        TEMPLATE_VARS
                            .iter()
                            .map(|v| format!("${{{v}}}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                rest = &after[end + 1..];
            }
            Ok(())
        }
        Value::Array(items) => items.iter().try_for_each(check_vars),
        Value::Object(map) => map.values().try_for_each(check_vars),
        _ => Ok(()),
    }
}

fn substitute(value: &Value, vars: &[(&str, &str)]) -> Value {
    match value {
        Value::String(s) => {
            let mut out = s.clone();
            for (name, v) in vars {
                out = out.replace(&format!("${{{name}}}"), v);
            }
            Value::String(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, vars)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(v, vars)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Decodes a policy document as IAM returns it (URL-encoded JSON).
pub fn decode(document: &str) -> Result<Value, String> {
    let decoded = percent_encoding::percent_decode_str(document)
        .decode_utf8()
        .map_err(|e| format!("policy document is not UTF-8: {e}"))?;
    serde_json::from_str(&decoded).map_err(|e| format!("policy document is not JSON: {e}"))
}

/// Whether two policy documents grant the same thing, however IAM spelled them:
/// a lone statement or value equals a one-element array, and the order of
/// values inside `Action`/`Resource`-like lists does not matter.
pub fn same(a: &Value, b: &Value) -> bool {
    normalize(a) == normalize(b)
}

fn normalize(doc: &Value) -> Value {
    let mut doc = doc.clone();
    if let Some(obj) = doc.as_object_mut() {
        if let Some(statement) = obj.get_mut("Statement") {
            let list = match statement.take() {
                Value::Array(items) => items,
                single => vec![single],
            };
            *statement = Value::Array(list.iter().map(normalize_statement).collect());
        }
    }
    doc
}

fn normalize_statement(statement: &Value) -> Value {
    let Some(map) = statement.as_object() else {
        return statement.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        let value = match key.as_str() {
            "Action" | "NotAction" | "Resource" | "NotResource" => as_sorted_list(value),
            "Principal" | "NotPrincipal" => match value {
                Value::Object(p) => Value::Object(
                    p.iter()
                        .map(|(k, v)| (k.clone(), as_sorted_list(v)))
                        .collect(),
                ),
                other => other.clone(),
            },
            "Condition" => match value {
                Value::Object(ops) => Value::Object(
                    ops.iter()
                        .map(|(op, keys)| {
                            let keys = match keys {
                                Value::Object(k) => Value::Object(
                                    k.iter()
                                        .map(|(name, v)| (name.clone(), as_sorted_list(v)))
                                        .collect(),
                                ),
                                other => other.clone(),
                            };
                            (op.clone(), keys)
                        })
                        .collect(),
                ),
                other => other.clone(),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    Value::Object(out)
}

fn as_sorted_list(value: &Value) -> Value {
    let mut items: Vec<Value> = match value {
        Value::Array(items) => items.clone(),
        single => vec![single.clone()],
    };
    items.sort_by_key(|v| v.to_string());
    Value::Array(items)
}

#[cfg(test)]
mod tests;
