//! `status`: what is deployed (function, release, log group, pool, alarms)
//! and how it is used (the function's numbers over the last hour and day,
//! or `--since`), from one round of reads with a single `GetMetricData`.

use serde_json::json;

use crate::aws::{
    alarm, function, identity_pool, log_group, metrics, queue, release, topic, Clients,
};
use crate::cli::{Cli, Output};
use crate::config::Config;
use crate::desired::Names;
use crate::error::{Error, OwnershipError};
use crate::observed::{AlarmState, FunctionState, QueueState, TopicState};
use crate::plan;
use crate::progress::Progress;
use crate::status::{self, Figure, Numbers, Window};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// The reservation, as people read it.
fn reservation(f: &FunctionState) -> String {
    match f.reserved_concurrency {
        Some(0) => {
            "PAUSED (reserved concurrency 0: every call is throttled; `backend-ctl resume`)".into()
        }
        Some(n) => format!("reserved concurrency {n}"),
        None => "no reservation (the account's limit caps it)".into(),
    }
}

/// The email subscription's state.
fn subscription(topic: Option<&TopicState>) -> Vec<(String, bool)> {
    topic
        .map(|t| {
            t.subscriptions
                .iter()
                .filter(|s| s.protocol == "email")
                .map(|s| (s.endpoint.clone(), !s.pending()))
                .collect()
        })
        .unwrap_or_default()
}

fn figure_text(figure: Figure, value: Option<f64>) -> String {
    match (figure, value) {
        (_, None) => "–".into(),
        (Figure::DurationP50 | Figure::DurationP99 | Figure::DurationMax, Some(v)) => {
            format!("{v:.0} ms")
        }
        (_, Some(v)) => format!("{v:.0}"),
    }
}

pub async fn status(
    cli: &Cli,
    config: &Config,
    clients: &Clients,
    progress: &Progress,
    since: Option<Window>,
) -> Result<(), Error> {
    let names = Names::new(&config.project, &config.stage);
    let windows: Vec<Window> = match since {
        Some(w) => vec![w],
        None => vec![Window::Hour, Window::Day],
    };
    let now = now();
    let queries = status::queries(&windows);
    let start = windows.iter().map(|w| w.start(now)).min().unwrap_or(now);
    progress.step(&format!(
        "reading the state and the numbers of {}",
        names.function
    ));
    let (found, releases, group, pools, topic, alarms, failed, answers) = tokio::join!(
        function::find(&clients.lambda, &names.function),
        release::find(&clients.lambda, &names.function),
        log_group::find(&clients.logs, &names.log_group),
        identity_pool::find(&clients.cognito, &names.pool, false),
        topic::find(&clients.sns, &names.topic),
        alarm::find(&clients.cloudwatch, &names.alarms),
        queue::find(&clients.sqs, &names.failed_queue),
        metrics::fetch(
            &clients.cloudwatch,
            &names.function,
            &queries,
            start,
            now + 60
        ),
    );
    let Some(found) = found? else {
        return Err(OwnershipError::NotDeployed {
            kind: "Lambda function",
            name: names.function.clone(),
        }
        .into());
    };
    if let Some(foreign) = plan::foreign_function(&names, &found) {
        return Err(foreign.into());
    }
    let (releases, group, pools, topic, alarms) = (releases?, group?, pools?, topic?, alarms?);
    let failed = failed?.filter(|q| names.owns(&q.tags));
    let numbers = status::numbers(&windows, &queries, &answers?, now);
    let pool = plan::our_pool(&names, &pools).ok().flatten();
    let alias = releases.alias(&config.alias);
    let emails = subscription(topic.as_ref());
    if cli.output == Output::Json {
        let alarms: Vec<_> = alarms
            .iter()
            .map(|a| {
                json!({"name": a.name, "metric": a.metric, "threshold": a.threshold,
                            "state": a.state, "reason": a.state_reason})
            })
            .collect();
        let subscriptions: Vec<_> = emails
            .iter()
            .map(|(e, confirmed)| json!({"email": e, "confirmed": confirmed}))
            .collect();
        println!(
            "{}",
            json!({
                "function": {
                    "name": names.function, "state": found.state,
                    "last_update_status": found.last_update_status,
                    "code_sha256": found.code_sha256, "code_size": found.code_size,
                    "architecture": found.architecture, "memory_mb": found.memory_mb,
                    "timeout_s": found.timeout_s,
                    "reserved_concurrency": found.reserved_concurrency,
                    "paused": found.reserved_concurrency == Some(0),
                },
                "alias": alias.map(|a| json!({"name": a.name, "version": a.function_version,
                                              "weights": a.weights})),
                "log_group": group.as_ref().map(|g| json!({"name": names.log_group,
                                                           "retention_days": g.retention_days})),
                "identity_pool": pool.map(|p| json!({"id": p.id,
                                                     "guest_access": p.allow_unauthenticated})),
                "alarms": alarms,
                "subscriptions": subscriptions,
                "failed_events": failed.as_ref().map(|q| json!({"queue": names.failed_queue,
                                                                "waiting": q.messages})),
                "numbers": numbers,
            })
        );
        return Ok(());
    }
    print_text(
        &names,
        &found,
        config,
        &releases,
        group.as_ref(),
        pool,
        &alarms,
        &emails,
        failed.as_ref(),
        &numbers,
    );
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn print_text(
    names: &Names,
    found: &FunctionState,
    config: &Config,
    releases: &crate::observed::Releases,
    group: Option<&crate::observed::LogGroupState>,
    pool: Option<&crate::observed::PoolState>,
    alarms: &[AlarmState],
    emails: &[(String, bool)],
    failed: Option<&QueueState>,
    numbers: &[Numbers],
) {
    println!(
        "function       {} — {} ({})",
        names.function, found.state, found.last_update_status
    );
    println!(
        "code ($LATEST) CodeSha256 {}, {} KB, {}",
        found.code_sha256,
        found.code_size / 1024,
        found.architecture
    );
    println!(
        "settings       {} MB, timeout {} s, {}",
        found.memory_mb,
        found.timeout_s,
        reservation(found)
    );
    match releases.alias(&config.alias) {
        Some(a) => {
            let mut line = format!(
                "release        alias {} → version {}",
                a.name, a.function_version
            );
            if let Some(v) = a.version().and_then(|n| releases.version(n)) {
                line.push_str(&format!(" (CodeSha256 {})", v.config.code_sha256));
            }
            for (v, w) in &a.weights {
                line.push_str(&format!(
                    ", canary: {}% → version {v}",
                    plan::release::percent(*w)
                ));
            }
            println!("{line}");
        }
        None => println!(
            "release        no alias {} yet (`backend-ctl up` makes it)",
            config.alias
        ),
    }
    match group {
        Some(g) => println!(
            "log group      {}, kept {}",
            names.log_group,
            g.retention_days
                .map_or("forever".into(), |d| format!("{d} days"))
        ),
        None => println!("log group      {} does not exist", names.log_group),
    }
    match pool {
        Some(p) => println!(
            "identity pool  {}, guest access {}",
            p.id,
            if p.allow_unauthenticated { "on" } else { "OFF" }
        ),
        None => println!("identity pool  {} does not exist", names.pool),
    }
    match failed {
        Some(q) if q.messages > 0 => println!(
            "failed events  {} waiting in {} (`backend-ctl failed` lists them, `backend-ctl replay --all` runs them again)",
            q.messages, names.failed_queue
        ),
        Some(_) => println!("failed events  none waiting in {}", names.failed_queue),
        None if config.events.keep_failed => println!(
            "failed events  no queue {} yet (`backend-ctl up` makes it)",
            names.failed_queue
        ),
        None => println!(
            "failed events  not kept ([function.async] keep_failed = false): Event calls Lambda gives up on are lost"
        ),
    }
    if alarms.is_empty() && emails.is_empty() {
        println!("alarms         none (`[alarms]` in the config adds them)");
    }
    for a in alarms {
        println!(
            "alarm          {} {} (≥ {} {} in 5 minutes)",
            a.name, a.state, a.threshold, a.metric
        );
    }
    for (email, confirmed) in emails {
        println!(
            "alarms go to   {email} ({})",
            if *confirmed {
                "confirmed"
            } else {
                "waiting for its owner to confirm: SNS mailed a link"
            }
        );
    }
    for n in numbers {
        println!("\n{}", n.window.label());
        for line in &n.lines {
            println!(
                "  {:<13} {:>9}  {}",
                line.figure.label(),
                figure_text(line.figure, line.total),
                status::sparkline(&line.bars)
            );
        }
    }
}
