//! The example backend: `{"firstName": "Ada", "lastName": "Lovelace"}` in,
//! `{"greetings": "Hello, Ada Lovelace."}` out.

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

/// Answers one event, and says in the function's log what it did.
async fn handle(event: LambdaEvent<Value>) -> Result<Greeting, BadRequest> {
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
}
