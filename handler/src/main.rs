//! The example backend: `{"firstName": "Ada", "lastName": "Lovelace"}` in,
//! `{"greetings": "Hello, Ada Lovelace."}` out. It logs who called: the
//! app's Cognito identity, which is where per-user logic starts.

use lambda_runtime::{service_fn, Diagnostic, Error, LambdaEvent};
use serde::Serialize;
use serde_json::Value;

/// What the handler answers.
#[derive(Debug, Serialize, PartialEq)]
pub struct Greeting {
    pub greetings: String,
}

/// A request the handler cannot answer; its variant name becomes the
/// `errorType` that the caller sees.
#[derive(Debug, PartialEq)]
pub enum BadRequest {
    MissingField(&'static str),
    NotAString(&'static str),
    NotAnObject,
}

impl std::fmt::Display for BadRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadRequest::MissingField(name) => {
                write!(f, "the event has no \"{name}\" field; send {{\"firstName\": \"...\", \"lastName\": \"...\"}}")
            }
            BadRequest::NotAString(name) => write!(f, "\"{name}\" must be a non-empty string"),
            BadRequest::NotAnObject => {
                write!(f, "the event must be a JSON object like {{\"firstName\": \"...\", \"lastName\": \"...\"}}")
            }
        }
    }
}

impl std::error::Error for BadRequest {}

impl From<BadRequest> for Diagnostic {
    fn from(error: BadRequest) -> Diagnostic {
        Diagnostic {
            error_type: "BadRequest".into(),
            error_message: error.to_string(),
        }
    }
}

fn field(event: &Value, name: &'static str) -> Result<String, BadRequest> {
    match event.get(name) {
        None | Some(Value::Null) => Err(BadRequest::MissingField(name)),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(_) => Err(BadRequest::NotAString(name)),
    }
}

/// The pure core of the handler.
pub fn greet(event: Value) -> Result<Greeting, BadRequest> {
    if !event.is_object() {
        return Err(BadRequest::NotAnObject);
    }
    let first = field(&event, "firstName")?;
    let last = field(&event, "lastName")?;
    Ok(Greeting {
        greetings: format!("Hello, {first} {last}."),
    })
}

/// Who called, for the log. An app that invokes with credentials from its
/// identity pool is one Cognito identity per install: Lambda passes it in
/// `event.context.identity`, so per-user logic (quotas, storage keys) can
/// start from `identity_id`. Calls signed with other credentials (a
/// developer's, a CI role's) have none.
pub fn caller(identity: Option<(&str, &str)>) -> String {
    match identity {
        Some((identity_id, pool_id)) => {
            format!("caller: {identity_id} (identity pool {pool_id})")
        }
        None => "caller: not a Cognito identity".to_string(),
    }
}

/// The id of an `Event` call: the Kotlin client's `invokeAsync` puts one in
/// every event it sends, as `eventId`. Lambda may run an event more than
/// once (its own duplicate deliveries, and `backend-ctl replay` of one that
/// failed), always with the same id: a handler whose work must happen once
/// records the ids it has done (for example a DynamoDB `PutItem` with the
/// condition `attribute_not_exists(eventId)`) and answers a repeat without
/// doing the work again. Synchronous calls carry none.
pub fn event_id(event: &Value) -> Option<&str> {
    event.get("eventId").and_then(Value::as_str)
}

/// Answers one event, and says in the function's log who called and what it did.
async fn handle(event: LambdaEvent<Value>) -> Result<Greeting, BadRequest> {
    let identity = event.context.identity.as_ref();
    println!(
        "{}",
        caller(identity.map(|id| (id.identity_id.as_str(), id.identity_pool_id.as_str())))
    );
    if let Some(id) = event_id(&event.payload) {
        println!("event: {id}");
    }
    let answer = greet(event.payload);
    match &answer {
        Ok(greeting) => println!("answered: {}", greeting.greetings),
        Err(refusal) => println!("refused: {refusal}"),
    }
    answer
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handle)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn greets_by_full_name() {
        let out = greet(json!({"firstName": "Ada", "lastName": "Lovelace"}));
        assert_eq!(
            out,
            Ok(Greeting {
                greetings: "Hello, Ada Lovelace.".into()
            })
        );
    }

    #[test]
    fn missing_last_name_is_a_clear_error() {
        let err = greet(json!({"firstName": "Ada"})).unwrap_err();
        assert_eq!(err, BadRequest::MissingField("lastName"));
        assert!(err.to_string().contains("lastName"));
    }

    #[test]
    fn wrong_types_are_rejected() {
        assert_eq!(
            greet(json!({"firstName": 3, "lastName": "x"})),
            Err(BadRequest::NotAString("firstName"))
        );
        assert_eq!(
            greet(json!({"firstName": "", "lastName": "x"})),
            Err(BadRequest::NotAString("firstName"))
        );
        assert_eq!(greet(json!([1, 2])), Err(BadRequest::NotAnObject));
    }

    #[test]
    fn an_event_is_known_by_its_id_and_the_id_changes_nothing_else() {
        let event = json!({"eventId": "7f1c", "firstName": "Ada", "lastName": "Lovelace"});
        assert_eq!(event_id(&event), Some("7f1c"));
        assert_eq!(event_id(&json!({"firstName": "Ada"})), None);
        assert_eq!(event_id(&json!({"eventId": 7})), None);
        assert_eq!(
            greet(event).map(|g| g.greetings),
            Ok("Hello, Ada Lovelace.".into())
        );
    }

    #[test]
    fn the_caller_is_named_by_its_cognito_identity() {
        assert_eq!(
            caller(Some(("us-east-1:1111", "us-east-1:pool"))),
            "caller: us-east-1:1111 (identity pool us-east-1:pool)"
        );
        assert_eq!(caller(None), "caller: not a Cognito identity");
    }
}
