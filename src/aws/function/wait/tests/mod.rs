//! What one look at a function says of the state waited for.

use aws_sdk_lambda::types::{FunctionConfiguration, LastUpdateStatus, State};

use super::*;

#[test]
fn an_update_is_done_when_successful_and_failed_with_lambdas_reason() {
    let config = |status: LastUpdateStatus, reason: Option<&str>| {
        FunctionConfiguration::builder()
            .state(State::Active)
            .last_update_status(status)
            .set_last_update_status_reason(reason.map(str::to_string))
            .build()
    };
    let look = |c: FunctionConfiguration| seen(Wait::Updated, Some(&c));
    assert_eq!(look(config(LastUpdateStatus::Successful, None)), Seen::Done);
    assert_eq!(
        look(config(LastUpdateStatus::InProgress, None)),
        Seen::Busy("last update InProgress".into())
    );
    assert_eq!(
        look(config(
            LastUpdateStatus::Failed,
            Some("The role is invalid.")
        )),
        Seen::Failed("last update Failed: The role is invalid.".into())
    );
    // An update waited for is not done by the function being Active.
    assert!(matches!(seen(Wait::Updated, None), Seen::Busy(_)));
}

#[test]
fn a_new_function_is_done_when_active_and_failed_with_lambdas_reason() {
    let config = |state: State, reason: Option<&str>| {
        FunctionConfiguration::builder()
            .state(state)
            .set_state_reason(reason.map(str::to_string))
            .build()
    };
    let look = |c: FunctionConfiguration| seen(Wait::Active, Some(&c));
    assert_eq!(look(config(State::Active, None)), Seen::Done);
    assert_eq!(
        look(config(State::Pending, None)),
        Seen::Busy("state Pending".into())
    );
    assert_eq!(
        look(config(State::Failed, None)),
        Seen::Failed("state Failed: (no reason given)".into())
    );
}
