//! The guard's SNS topic and its email subscription: find, create,
//! subscribe, unsubscribe, delete.

use std::collections::BTreeMap;

use aws_sdk_sns::types::Tag;
use aws_sdk_sns::Client;

use crate::error::AwsError;
use crate::observed::{SubscriptionState, TopicState};

/// The topic named `name` (listed, then its tags and subscriptions read at
/// once); `None` when there is none.
pub async fn find(sns: &Client, name: &str) -> Result<Option<TopicState>, AwsError> {
    let action = format!("reading SNS topic ({name})");
    let suffix = format!(":{name}");
    let mut pages = sns.list_topics().into_paginator().send();
    let mut arn = None;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| super::failed(action.clone(), e))?;
        if let Some(found) = page
            .topics()
            .iter()
            .filter_map(|t| t.topic_arn())
            .find(|a| a.ends_with(&suffix))
        {
            arn = Some(found.to_string());
            break;
        }
    }
    let Some(arn) = arn else { return Ok(None) };
    let tags = async {
        sns.list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .map(|out| {
                out.tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect::<BTreeMap<_, _>>()
            })
            .map_err(|e| super::failed(action.clone(), e))
    };
    let subscriptions = async {
        let mut found = Vec::new();
        let mut pages = sns
            .list_subscriptions_by_topic()
            .topic_arn(&arn)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| super::failed(action.clone(), e))?;
            found.extend(page.subscriptions().iter().map(|s| SubscriptionState {
                arn: s.subscription_arn().unwrap_or_default().to_string(),
                protocol: s.protocol().unwrap_or_default().to_string(),
                endpoint: s.endpoint().unwrap_or_default().to_string(),
            }));
        }
        Ok::<_, AwsError>(found)
    };
    let (tags, subscriptions) = tokio::join!(tags, subscriptions);
    Ok(Some(TopicState {
        arn,
        tags: tags?,
        subscriptions: subscriptions?,
    }))
}

/// Creates the topic with our tags (a topic of that name with the same
/// tags is given back as it is); returns its ARN.
pub async fn create(
    sns: &Client,
    name: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, AwsError> {
    let tags: Vec<Tag> = tags
        .iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect();
    let out = sns
        .create_topic()
        .name(name)
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(|e| super::failed(format!("creating SNS topic ({name})"), e))?;
    Ok(out.topic_arn().unwrap_or_default().to_string())
}

/// Subscribes the address; SNS mails its owner a link to confirm.
pub async fn subscribe(sns: &Client, topic_arn: &str, email: &str) -> Result<(), AwsError> {
    sns.subscribe()
        .topic_arn(topic_arn)
        .protocol("email")
        .endpoint(email)
        .send()
        .await
        .map_err(|e| super::failed(format!("subscribing {email} to SNS topic ({topic_arn})"), e))?;
    Ok(())
}

/// Removes a confirmed subscription (one still pending cannot be removed:
/// SNS drops it when it expires, or with the topic).
pub async fn unsubscribe(sns: &Client, subscription_arn: &str) -> Result<(), AwsError> {
    match sns
        .unsubscribe()
        .subscription_arn(subscription_arn)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_not_found_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(super::failed(
            format!("removing SNS subscription ({subscription_arn})"),
            e,
        )),
    }
}

/// Deletes the topic and its subscriptions; a missing topic is success.
pub async fn delete(sns: &Client, topic_arn: &str) -> Result<(), AwsError> {
    match sns.delete_topic().topic_arn(topic_arn).send().await {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_not_found_exception()) =>
        {
            Ok(())
        }
        Err(e) => Err(super::failed(
            format!("deleting SNS topic ({topic_arn})"),
            e,
        )),
    }
}
