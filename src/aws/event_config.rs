//! The alias's event-invoke settings (what Lambda does with `Event` calls
//! it cannot run): find, put.

use aws_sdk_lambda::operation::put_function_event_invoke_config::PutFunctionEventInvokeConfigError;
use aws_sdk_lambda::types::{DestinationConfig, OnFailure, OnSuccess};
use aws_sdk_lambda::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use crate::desired::EventsSpec;
use crate::error::AwsError;
use crate::observed::EventConfigState;

use super::retry::Patience;

/// The settings of `function:qualifier`; `None` when it has none (or the
/// alias does not exist yet).
pub async fn find(
    lambda: &Client,
    function: &str,
    qualifier: &str,
) -> Result<Option<EventConfigState>, AwsError> {
    match lambda
        .get_function_event_invoke_config()
        .function_name(function)
        .qualifier(qualifier)
        .send()
        .await
    {
        Ok(out) => {
            let destination = out.destination_config();
            let count = |n: Option<i32>| n.and_then(|n| u32::try_from(n).ok());
            Ok(Some(EventConfigState {
                retry_attempts: count(out.maximum_retry_attempts()),
                max_event_age_s: count(out.maximum_event_age_in_seconds()),
                on_failure: destination
                    .and_then(|d| d.on_failure())
                    .and_then(|d| d.destination())
                    .map(str::to_string),
                on_success: destination
                    .and_then(|d| d.on_success())
                    .and_then(|d| d.destination())
                    .map(str::to_string),
            }))
        }
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(super::failed(
            format!("reading the event-invoke settings of {function}:{qualifier}"),
            e,
        )),
    }
}

/// Lambda checks that the function's role may send to the destination; right
/// after the role's policy changed, IAM may not show it yet:
/// `InvalidParameterValueException` "The provided execution role does not
/// have permissions to call SendMessage on SQS".
fn not_yet_allowed(e: &SdkError<PutFunctionEventInvokeConfigError, HttpResponse>) -> bool {
    e.as_service_error().is_some_and(|s| {
        s.is_invalid_parameter_value_exception()
            && aws_sdk_lambda::error::ProvideErrorMetadata::message(s)
                .is_some_and(|m| m.contains("execution role does not have permissions"))
    })
}

/// Replaces the settings of `function:qualifier` with `spec` and the
/// on-success destination given (which backend-ctl does not manage).
pub async fn put(
    lambda: &Client,
    patience: Patience<'_>,
    function: &str,
    qualifier: &str,
    spec: &EventsSpec,
    on_success: Option<&str>,
) -> Result<(), AwsError> {
    let destination = DestinationConfig::builder()
        .set_on_failure(
            spec.on_failure
                .as_ref()
                .map(|arn| OnFailure::builder().destination(arn).build()),
        )
        .set_on_success(on_success.map(|arn| OnSuccess::builder().destination(arn).build()))
        .build();
    super::retry::while_propagating(
        patience.progress,
        "IAM to let the function's role send to its failed events' queue",
        patience.deadline,
        not_yet_allowed,
        || {
            lambda
                .put_function_event_invoke_config()
                .function_name(function)
                .qualifier(qualifier)
                .maximum_retry_attempts(i32::try_from(spec.retry_attempts).unwrap_or(2))
                .maximum_event_age_in_seconds(i32::try_from(spec.max_event_age_s).unwrap_or(21600))
                .destination_config(destination.clone())
                .send()
        },
    )
    .await
    .map_err(|e| {
        super::failed(
            format!("putting the event-invoke settings of {function}:{qualifier}"),
            e,
        )
    })?;
    Ok(())
}
