//! The failed events' SQS queue: find, create, update (its encryption,
//! retention and tags put back), delete; and its messages, received (held
//! for a while), given back, and deleted.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_sqs::operation::create_queue::CreateQueueError;
use aws_sdk_sqs::types::{ChangeMessageVisibilityBatchRequestEntry, QueueAttributeName};
use aws_sdk_sqs::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use crate::desired::QUEUE_RETENTION_S;
use crate::error::AwsError;
use crate::observed::QueueState;
use crate::progress::Progress;

use super::retry;

/// SQS's code for a queue that does not exist (its query-compatible form).
const NON_EXISTENT: &str = "AWS.SimpleQueueService.NonExistentQueue";

/// The queue named `name`, its attributes and tags read; `None` when there is none.
pub async fn find(sqs: &Client, name: &str) -> Result<Option<QueueState>, AwsError> {
    let action = format!("reading SQS queue ({name})");
    let url = match sqs.get_queue_url().queue_name(name).send().await {
        Ok(out) => out.queue_url().unwrap_or_default().to_string(),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_queue_does_not_exist())
                || retry::has_code(&e, NON_EXISTENT) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(super::failed(action, e)),
    };
    let attributes = async {
        sqs.get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::All)
            .send()
            .await
            .map_err(|e| super::failed(action.clone(), e))
    };
    let tags = async {
        sqs.list_queue_tags()
            .queue_url(&url)
            .send()
            .await
            .map_err(|e| super::failed(action.clone(), e))
    };
    let (attributes, tags) = tokio::join!(attributes, tags);
    let (attributes, tags) = (attributes?, tags?);
    let attr = |name: QueueAttributeName| {
        attributes
            .attributes()
            .and_then(|a| a.get(&name))
            .map(String::as_str)
    };
    let count = |name| attr(name).and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
    Ok(Some(QueueState {
        arn: attr(QueueAttributeName::QueueArn)
            .unwrap_or_default()
            .to_string(),
        encrypted: attr(QueueAttributeName::SqsManagedSseEnabled) == Some("true")
            || attr(QueueAttributeName::KmsMasterKeyId).is_some_and(|k| !k.is_empty()),
        retention_s: attr(QueueAttributeName::MessageRetentionPeriod).and_then(|r| r.parse().ok()),
        messages: count(QueueAttributeName::ApproximateNumberOfMessages)
            + count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
        tags: tags
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        url,
    }))
}

/// The attributes `up` converges: SQS-managed encryption, 14 days' retention.
fn ours() -> [(QueueAttributeName, String); 2] {
    [
        (QueueAttributeName::SqsManagedSseEnabled, "true".into()),
        (
            QueueAttributeName::MessageRetentionPeriod,
            QUEUE_RETENTION_S.to_string(),
        ),
    ]
}

/// Creates the queue with our attributes and tags (SQS gives back a queue
/// of that name with the same attributes as it is); returns its URL. A name
/// deleted less than 60 seconds ago cannot be taken again until then
/// (`QueueDeletedRecently`): the call is retried until it can.
pub async fn create(
    sqs: &Client,
    progress: &Progress,
    name: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let out = retry::while_conflicting(
        progress,
        &format!(
            "SQS to free the name {name} (a queue of that name was deleted less than 60 s ago)"
        ),
        Duration::from_secs(90),
        |e: &SdkError<CreateQueueError, HttpResponse>| {
            retry::has_code(e, "AWS.SimpleQueueService.QueueDeletedRecently")
                || e.as_service_error()
                    .is_some_and(|s| s.is_queue_deleted_recently())
        },
        || {
            let mut call = sqs.create_queue().queue_name(name);
            for (k, v) in ours() {
                call = call.attributes(k, v);
            }
            for (k, v) in tags {
                call = call.tags(k, v);
            }
            call.send()
        },
    )
    .await
    .map_err(|e| super::failed(format!("creating SQS queue ({name})"), e))?;
    Ok(out.queue_url().unwrap_or_default().to_string())
}

/// Puts our attributes and tags back on the queue.
pub async fn update(
    sqs: &Client,
    url: &str,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let action = format!("updating SQS queue ({url})");
    let mut call = sqs.set_queue_attributes().queue_url(url);
    for (k, v) in ours() {
        call = call.attributes(k, v);
    }
    call.send()
        .await
        .map_err(|e| super::failed(action.clone(), e))?;
    let mut call = sqs.tag_queue().queue_url(url);
    for (k, v) in tags {
        call = call.tags(k, v);
    }
    call.send().await.map_err(|e| super::failed(action, e))?;
    Ok(())
}

/// Deletes the queue and the events in it; a missing queue is success.
pub async fn delete(sqs: &Client, url: &str) -> Result<(), AwsError> {
    match sqs.delete_queue().queue_url(url).send().await {
        Ok(_) => Ok(()),
        Err(e) if retry::has_code(&e, NON_EXISTENT) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_queue_does_not_exist()) =>
        {
            Ok(())
        }
        Err(e) => Err(super::failed(format!("deleting SQS queue ({url})"), e)),
    }
}

/// A message received from the queue, held from the others until given back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub message_id: String,
    pub receipt: String,
    pub body: String,
}

/// Up to `max` messages (1 to 10), held from other readers for `hold`. `wait`: how long
/// SQS may wait for one (0: short polling, which may miss some on a large
/// queue; a wait of a second asks every server of the queue).
pub async fn receive(
    sqs: &Client,
    url: &str,
    max: i32,
    hold: Duration,
    wait: Duration,
) -> Result<Vec<Held>, AwsError> {
    let out = sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(max)
        .visibility_timeout(i32::try_from(hold.as_secs()).unwrap_or(43_200))
        .wait_time_seconds(i32::try_from(wait.as_secs()).unwrap_or(0))
        .send()
        .await
        .map_err(|e| super::failed(format!("reading failed events from SQS queue ({url})"), e))?;
    Ok(out
        .messages()
        .iter()
        .map(|m| Held {
            message_id: m.message_id().unwrap_or_default().to_string(),
            receipt: m.receipt_handle().unwrap_or_default().to_string(),
            body: m.body().unwrap_or_default().to_string(),
        })
        .collect())
}

/// Every message of the queue, each held for `hold` (then visible again,
/// unless given back sooner with `release`).
pub async fn receive_all(sqs: &Client, url: &str, hold: Duration) -> Result<Vec<Held>, AwsError> {
    let mut all: Vec<Held> = Vec::new();
    let mut wait = Duration::ZERO;
    loop {
        let batch = receive(sqs, url, 10, hold, wait).await?;
        if batch.is_empty() {
            if wait.is_zero() {
                // Short polling asks a sample of SQS's servers: one long poll
                // makes sure that none is left.
                wait = Duration::from_secs(1);
                continue;
            }
            break;
        }
        wait = Duration::ZERO;
        for m in batch {
            if !all.iter().any(|h| h.message_id == m.message_id) {
                all.push(m);
            }
        }
    }
    Ok(all)
}

/// Sets how much longer the messages stay held (0: visible again at once),
/// ten at a time.
pub async fn hold_for(
    sqs: &Client,
    url: &str,
    held: &[&Held],
    hold: Duration,
) -> Result<(), AwsError> {
    let seconds = i32::try_from(hold.as_secs()).unwrap_or(43_200);
    for chunk in held.chunks(10) {
        let entries: Vec<_> = chunk
            .iter()
            .enumerate()
            .filter_map(|(i, h)| {
                ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(&h.receipt)
                    .visibility_timeout(seconds)
                    .build()
                    .ok()
            })
            .collect();
        sqs.change_message_visibility_batch()
            .queue_url(url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| {
                super::failed(format!("giving failed events back to SQS queue ({url})"), e)
            })?;
    }
    Ok(())
}

/// Gives the messages back: visible to the next reader at once.
pub async fn release(sqs: &Client, url: &str, held: &[&Held]) -> Result<(), AwsError> {
    hold_for(sqs, url, held, Duration::ZERO).await
}

/// Deletes one message (a receipt that is no longer valid: it was deleted already).
pub async fn delete_message(sqs: &Client, url: &str, receipt: &str) -> Result<(), AwsError> {
    match sqs
        .delete_message()
        .queue_url(url)
        .receipt_handle(receipt)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_receipt_handle_is_invalid()) =>
        {
            Ok(())
        }
        Err(e) => Err(super::failed(
            format!("removing a replayed event from SQS queue ({url})"),
            e,
        )),
    }
}
