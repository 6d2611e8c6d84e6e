//! What `status` shows of the function's numbers, pure: the windows and
//! their periods, the metric queries (one `GetMetricData` call serves all),
//! the figures drawn from the answers, and sparklines.

use std::collections::BTreeMap;

use serde::Serialize;

/// How far back `status` looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, Serialize)]
pub enum Window {
    #[value(name = "1h")]
    #[serde(rename = "1h")]
    Hour,
    #[value(name = "1d")]
    #[serde(rename = "1d")]
    Day,
    #[value(name = "7d")]
    #[serde(rename = "7d")]
    Week,
}

impl Window {
    /// The period of one sparkline bar, in seconds, and how many bars.
    pub fn period_and_bars(self) -> (i64, i64) {
        match self {
            Window::Hour => (300, 12),
            Window::Day => (3600, 24),
            Window::Week => (6 * 3600, 28),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Window::Hour => "the last hour (5-minute bars)",
            Window::Day => "the last day (1-hour bars)",
            Window::Week => "the last 7 days (6-hour bars)",
        }
    }

    /// The first period's start: whole periods, the last one ending now.
    pub fn start(self, now: i64) -> i64 {
        let (period, bars) = self.period_and_bars();
        (now / period) * period - (bars - 1) * period
    }
}

/// One metric statistic, as a query asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Figure {
    Invocations,
    Errors,
    Throttles,
    DurationP50,
    DurationP99,
    DurationMax,
    Concurrency,
}

impl Figure {
    pub const ALL: [Figure; 7] = [
        Figure::Invocations,
        Figure::Errors,
        Figure::Throttles,
        Figure::DurationP50,
        Figure::DurationP99,
        Figure::DurationMax,
        Figure::Concurrency,
    ];

    /// The `AWS/Lambda` metric and the statistic.
    pub fn metric(self) -> (&'static str, &'static str) {
        match self {
            Figure::Invocations => ("Invocations", "Sum"),
            Figure::Errors => ("Errors", "Sum"),
            Figure::Throttles => ("Throttles", "Sum"),
            Figure::DurationP50 => ("Duration", "p50"),
            Figure::DurationP99 => ("Duration", "p99"),
            Figure::DurationMax => ("Duration", "Maximum"),
            Figure::Concurrency => ("ConcurrentExecutions", "Maximum"),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Figure::Invocations => "invocations",
            Figure::Errors => "errors",
            Figure::Throttles => "throttles",
            Figure::DurationP50 => "duration p50",
            Figure::DurationP99 => "duration p99",
            Figure::DurationMax => "duration max",
            Figure::Concurrency => "concurrency",
        }
    }

    /// Counts add up over a window; the others cannot be added.
    fn is_count(self) -> bool {
        matches!(
            self,
            Figure::Invocations | Figure::Errors | Figure::Throttles
        )
    }
}

/// One query of the `GetMetricData` call: a figure per bar of a window, or
/// (`whole`) one value for the whole window (percentiles cannot be made
/// from the bars' percentiles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    pub id: usize,
    pub window: Window,
    pub figure: Figure,
    pub period: i64,
    pub whole: bool,
}

/// Every query `status` makes for these windows, in one call.
pub fn queries(windows: &[Window]) -> Vec<Query> {
    let mut out = Vec::new();
    for &window in windows {
        let (period, bars) = window.period_and_bars();
        for figure in Figure::ALL {
            out.push(Query {
                id: out.len(),
                window,
                figure,
                period,
                whole: false,
            });
            if !figure.is_count() {
                out.push(Query {
                    id: out.len(),
                    window,
                    figure,
                    period: period * bars,
                    whole: true,
                });
            }
        }
    }
    out
}

/// A figure over a window: its value per bar (`None`: no data) and over
/// the whole window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub figure: Figure,
    pub bars: Vec<Option<f64>>,
    pub total: Option<f64>,
}

/// A window's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Numbers {
    pub window: Window,
    pub period_s: i64,
    pub start: i64,
    pub lines: Vec<Line>,
}

/// The figures of each window from the answers: query id → (timestamp in
/// seconds, value) pairs.
pub fn numbers(
    windows: &[Window],
    queries: &[Query],
    answers: &BTreeMap<usize, Vec<(i64, f64)>>,
    now: i64,
) -> Vec<Numbers> {
    windows
        .iter()
        .map(|&window| {
            let (period, count) = window.period_and_bars();
            let start = window.start(now);
            let lines = Figure::ALL
                .iter()
                .map(|&figure| {
                    let of = |whole: bool| {
                        queries
                            .iter()
                            .find(|q| q.window == window && q.figure == figure && q.whole == whole)
                            .and_then(|q| answers.get(&q.id))
                            .map(|points| {
                                points
                                    .iter()
                                    .filter(|(t, _)| *t >= start && *t <= now)
                                    .copied()
                                    .collect::<Vec<_>>()
                            })
                            .unwrap_or_default()
                    };
                    let mut bars = vec![None; count as usize];
                    for (t, v) in of(false) {
                        let i = ((t - start) / period) as usize;
                        if let Some(bar) = bars.get_mut(i) {
                            *bar = Some(bar.map_or(v, |b: f64| b.max(v)));
                        }
                    }
                    let total = if figure.is_count() {
                        // From +0.0: an empty f64 sum is -0.0, which prints as "-0".
                        Some(bars.iter().flatten().fold(0.0, |a, b| a + b))
                    } else {
                        // Several whole-window points (a backend that aligns
                        // them otherwise): the highest.
                        of(true).into_iter().map(|(_, v)| v).reduce(f64::max)
                    };
                    Line {
                        figure,
                        bars,
                        total,
                    }
                })
                .collect();
            Numbers {
                window,
                period_s: period,
                start,
                lines,
            }
        })
        .collect()
}

/// Bars from ▁ to █, scaled to the highest; a blank where there is no data.
pub fn sparkline(bars: &[Option<f64>]) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let top = bars.iter().flatten().copied().fold(0.0_f64, f64::max);
    bars.iter()
        .map(|b| match b {
            None => ' ',
            Some(v) if top <= 0.0 || *v <= 0.0 => LEVELS[0],
            Some(v) => LEVELS[(((v / top) * 7.0).round() as usize).min(7)],
        })
        .collect()
}

#[cfg(test)]
mod tests;
