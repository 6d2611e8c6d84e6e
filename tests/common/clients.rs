//! SDK clients straight to the emulator (calls not recorded), and reads of
//! one resource at a time through them.

use std::collections::BTreeMap;

use super::{emulator, Recorder, REGION};

/// SDK clients straight to the emulator, for reading and changing state
/// behind the CLI's back.
pub struct Aws {
    pub iam: aws_sdk_iam::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub cognito: aws_sdk_cognitoidentity::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub sns: aws_sdk_sns::Client,
    pub sqs: aws_sdk_sqs::Client,
    rt: tokio::runtime::Runtime,
}

impl Aws {
    pub fn new() -> Aws {
        Aws::in_account(None)
    }

    /// Clients for the emulator's account `id` (moto's `x-moto-account-id`).
    pub fn for_account(id: &str) -> Aws {
        Aws::in_account(Some(id))
    }

    fn in_account(account: Option<&str>) -> Aws {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let creds =
            aws_credential_types::Credentials::new("testing", "testing", None, None, "tests");
        // Through a proxy of its own that only adds the account header.
        let url = match account {
            Some(id) => {
                let recorder = Recorder::start(&emulator().url);
                recorder.set_account(id);
                let url = recorder.url.clone();
                std::mem::forget(recorder);
                url
            }
            None => emulator().url.clone(),
        };
        let conf = rt.block_on(
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .http_client(https_client())
                .region(aws_config::Region::new(REGION))
                .endpoint_url(&url)
                .credentials_provider(creds)
                .load(),
        );
        Aws {
            iam: aws_sdk_iam::Client::new(&conf),
            lambda: aws_sdk_lambda::Client::new(&conf),
            cognito: aws_sdk_cognitoidentity::Client::new(&conf),
            logs: aws_sdk_cloudwatchlogs::Client::new(&conf),
            cloudwatch: aws_sdk_cloudwatch::Client::new(&conf),
            sns: aws_sdk_sns::Client::new(&conf),
            sqs: aws_sdk_sqs::Client::new(&conf),
            rt,
        }
    }

    /// The log group with this exact name: its retention and tags.
    pub fn log_group(&self, name: &str) -> Option<(Option<i32>, BTreeMap<String, String>)> {
        let out = self
            .block(
                self.logs
                    .describe_log_groups()
                    .log_group_name_prefix(name)
                    .send(),
            )
            .unwrap();
        let group = out
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(name))?
            .clone();
        let arn = group
            .log_group_arn()
            .map(str::to_string)
            .or_else(|| group.arn().map(|a| a.trim_end_matches(":*").to_string()))
            .unwrap();
        let tags = self
            .block(self.logs.list_tags_for_resource().resource_arn(arn).send())
            .unwrap()
            .tags()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .collect();
        Some((group.retention_in_days(), tags))
    }

    /// Every message in the log group, in time order.
    pub fn log_messages(&self, name: &str) -> Vec<String> {
        let pages: Vec<_> = self
            .block(
                self.logs
                    .filter_log_events()
                    .log_group_name(name)
                    .into_paginator()
                    .send()
                    .try_collect(),
            )
            .unwrap_or_default();
        let mut events: Vec<(i64, String)> = pages
            .iter()
            .flat_map(|p| p.events())
            .map(|e| {
                (
                    e.timestamp().unwrap_or(0),
                    e.message().unwrap_or("").to_string(),
                )
            })
            .collect();
        events.sort_by_key(|(ts, _)| *ts);
        events.into_iter().map(|(_, m)| m).collect()
    }

    /// The queue named `name`: its URL and every attribute; `None` when there is none.
    pub fn queue(&self, name: &str) -> Option<(String, BTreeMap<String, String>)> {
        let url = self
            .block(self.sqs.get_queue_url().queue_name(name).send())
            .ok()?
            .queue_url()?
            .to_string();
        let attributes = self
            .block(
                self.sqs
                    .get_queue_attributes()
                    .queue_url(&url)
                    .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
                    .send(),
            )
            .unwrap()
            .attributes()
            .map(|a| {
                a.iter()
                    .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Some((url, attributes))
    }

    /// The queue's tags.
    pub fn queue_tags(&self, url: &str) -> BTreeMap<String, String> {
        self.block(self.sqs.list_queue_tags().queue_url(url).send())
            .unwrap()
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    }

    /// How many messages the queue holds, visible or not (0 when there is no queue).
    pub fn queue_depth(&self, name: &str) -> u64 {
        self.queue(name).map_or(0, |(_, a)| {
            [
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
            ]
            .iter()
            .filter_map(|k| a.get(*k).and_then(|n| n.parse::<u64>().ok()))
            .sum()
        })
    }

    pub fn block<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    pub fn role(&self, name: &str) -> Option<aws_sdk_iam::types::Role> {
        self.block(self.iam.get_role().role_name(name).send())
            .ok()
            .and_then(|o| o.role)
    }

    pub fn role_policy(&self, role: &str, name: &str) -> Option<serde_json::Value> {
        let out = self
            .block(
                self.iam
                    .get_role_policy()
                    .role_name(role)
                    .policy_name(name)
                    .send(),
            )
            .ok()?;
        Some(decode(out.policy_document()))
    }

    pub fn function(
        &self,
        name: &str,
    ) -> Option<aws_sdk_lambda::operation::get_function::GetFunctionOutput> {
        self.block(self.lambda.get_function().function_name(name).send())
            .ok()
    }

    /// Every pool with this name.
    pub fn pools(
        &self,
        name: &str,
    ) -> Vec<aws_sdk_cognitoidentity::operation::describe_identity_pool::DescribeIdentityPoolOutput>
    {
        let listed = self
            .block(
                self.cognito
                    .list_identity_pools()
                    .max_results(60)
                    .into_paginator()
                    .items()
                    .send()
                    .try_collect(),
            )
            .unwrap();
        listed
            .iter()
            .filter(|p| p.identity_pool_name() == Some(name))
            .map(|p| {
                self.block(
                    self.cognito
                        .describe_identity_pool()
                        .identity_pool_id(p.identity_pool_id().unwrap())
                        .send(),
                )
                .unwrap()
            })
            .collect()
    }
}

/// The SDK's HTTP client as backend-ctl builds it (rustls on ring; the SDK
/// crates are built without their default TLS).
pub fn https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls;
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

/// Decodes a URL-encoded policy document.
pub fn decode(doc: &str) -> serde_json::Value {
    let text = percent_encoding::percent_decode_str(doc)
        .decode_utf8()
        .unwrap();
    serde_json::from_str(&text).unwrap()
}
