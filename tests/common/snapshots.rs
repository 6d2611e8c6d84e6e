//! Whole-stack views read through `Aws`: a snapshot two converged projects
//! share, the releases, and what is left after teardown.

use std::collections::BTreeMap;

use super::{decode, Aws, Names};

impl Aws {
    /// Everything we own for `project` (stage dev), in a form that does not
    /// depend on the project's name or the pool's id: two projects converged
    /// to the same config have equal snapshots.
    pub fn snapshot(&self, project: &str) -> serde_json::Value {
        use serde_json::json;
        let n = Names::new(project);
        let role = |name: &str| {
            self.role(name).map(|r| {
                let mut tags: Vec<(String, String)> = r.tags().iter().map(|t| (t.key().to_string(), t.value().to_string())).collect();
                tags.sort();
                json!({"trust": decode(r.assume_role_policy_document().unwrap_or("{}")), "tags": tags})
            })
        };
        let function = self.function(&n.function).map(|f| {
            let c = f.configuration().unwrap();
            let mut tags: Vec<(String, String)> = f.tags().map(|t| t.clone().into_iter().collect()).unwrap_or_default();
            tags.sort();
            let env: BTreeMap<String, String> = c
                .environment()
                .and_then(|e| e.variables())
                .map(|v| v.clone().into_iter().collect())
                .unwrap_or_default();
            json!({
                "runtime": c.runtime().map(|r| r.as_str().to_string()),
                "handler": c.handler(),
                "architectures": c.architectures().iter().map(|a| a.as_str().to_string()).collect::<Vec<_>>(),
                "memory": c.memory_size(),
                "timeout": c.timeout(),
                "environment": env,
                "role": c.role(),
                "code_sha256": c.code_sha256(),
                "concurrency": f.concurrency().and_then(|c| c.reserved_concurrent_executions()),
                "tags": tags,
            })
        });
        let pools: Vec<serde_json::Value> = self
            .pools(&n.pool)
            .iter()
            .map(|p| {
                let roles = self
                    .block(
                        self.cognito
                            .get_identity_pool_roles()
                            .identity_pool_id(p.identity_pool_id())
                            .send(),
                    )
                    .ok()
                    .and_then(|r| r.roles().cloned())
                    .map(|r| r.into_iter().collect::<BTreeMap<_, _>>());
                let mut tags: Vec<(String, String)> = p
                    .identity_pool_tags()
                    .map(|t| t.clone().into_iter().collect())
                    .unwrap_or_default();
                tags.sort();
                json!({
                    "id": p.identity_pool_id(),
                    "unauthenticated": p.allow_unauthenticated_identities(),
                    "classic": p.allow_classic_flow(),
                    "tags": tags,
                    "roles": roles,
                })
            })
            .collect();
        let group = self.log_group(&n.log_group).map(|(retention, tags)| {
            let mut tags: Vec<(String, String)> = tags.into_iter().collect();
            tags.sort();
            json!({"retention": retention, "tags": tags})
        });
        let (versions, aliases) = self.releases(&n.function);
        let snapshot = json!({
            "versions": versions,
            "aliases": aliases,
            "log_group": group,
            "exec_role": role(&n.exec_role),
            "exec_policy": self.role_policy(&n.exec_role, &n.exec_policy),
            "function": function,
            "pools": pools,
            "unauth_role": role(&n.unauth_role),
            "unauth_policy": self.role_policy(&n.unauth_role, &n.unauth_policy),
        });
        let mut text = snapshot.to_string();
        for p in &pools {
            if let Some(id) = p["id"].as_str() {
                text = text.replace(id, "POOL-ID");
            }
        }
        text = text.replace(&format!("{project}-dev"), "PROJECT-dev");
        text = text.replace(&format!("\"{project}\""), "\"PROJECT\"");
        serde_json::from_str(&text).unwrap()
    }

    /// The function's published versions (number and code hash, oldest
    /// first) and its aliases (name → version and description).
    pub fn releases(
        &self,
        function: &str,
    ) -> (Vec<serde_json::Value>, BTreeMap<String, serde_json::Value>) {
        use serde_json::json;
        let versions = self
            .block(
                self.lambda
                    .list_versions_by_function()
                    .function_name(function)
                    .send(),
            )
            .map(|out| {
                out.versions()
                    .iter()
                    .filter(|v| v.version() != Some("$LATEST"))
                    .map(|v| json!({"version": v.version(), "code_sha256": v.code_sha256()}))
                    .collect()
            })
            .unwrap_or_default();
        let aliases = self
            .block(self.lambda.list_aliases().function_name(function).send())
            .map(|out| {
                out.aliases()
                    .iter()
                    .map(|a| {
                        let weights = a
                            .routing_config()
                            .and_then(|r| r.additional_version_weights())
                            .map(|w| w.clone().into_iter().collect::<BTreeMap<_, _>>());
                        (
                            a.name().unwrap_or_default().to_string(),
                            json!({"version": a.function_version(), "description": a.description(), "weights": weights}),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        (versions, aliases)
    }

    /// The version an alias points at.
    pub fn alias_version(&self, function: &str, alias: &str) -> Option<String> {
        self.block(
            self.lambda
                .get_alias()
                .function_name(function)
                .name(alias)
                .send(),
        )
        .ok()
        .and_then(|a| a.function_version().map(str::to_string))
    }

    /// Whether nothing of `project` is left.
    pub fn nothing_left(&self, project: &str) -> bool {
        let n = Names::new(project);
        self.role(&n.exec_role).is_none()
            && self.role(&n.unauth_role).is_none()
            && self.function(&n.function).is_none()
            && self.pools(&n.pool).is_empty()
            && self.log_group(&n.log_group).is_none()
            && self.guard_left(project).is_empty()
            && self.queue(&n.failed_queue).is_none()
    }

    /// The guard's topic and alarms of `project` that exist.
    pub fn guard_left(&self, project: &str) -> Vec<String> {
        let n = Names::new(project);
        let mut left: Vec<String> = self
            .block(
                self.cloudwatch
                    .describe_alarms()
                    .set_alarm_names(Some(n.alarms.to_vec()))
                    .send(),
            )
            .map(|out| {
                out.metric_alarms()
                    .iter()
                    .filter_map(|a| a.alarm_name().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let suffix = format!(":{}", n.topic);
        let topics = self.block(self.sns.list_topics().send());
        left.extend(
            topics
                .iter()
                .flat_map(|out| out.topics())
                .filter_map(|t| t.topic_arn())
                .filter(|arn| arn.ends_with(&suffix))
                .map(str::to_string),
        );
        left
    }
}
