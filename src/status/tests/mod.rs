//! The status windows, queries, figures and sparklines.

use std::collections::BTreeMap;

use super::*;

#[test]
fn windows_are_whole_periods_ending_with_the_current_one() {
    let now = 1_000_000;
    assert_eq!(Window::Hour.start(now), (now / 300) * 300 - 11 * 300);
    assert_eq!(Window::Day.period_and_bars(), (3600, 24));
}

#[test]
fn one_call_holds_every_query_of_both_windows() {
    let q = queries(&[Window::Hour, Window::Day]);
    // 7 figures a window, plus a whole-window query for the 4 that cannot be added.
    assert_eq!(q.len(), 2 * (7 + 4));
    assert!(q.iter().enumerate().all(|(i, q)| q.id == i));
    let whole = q
        .iter()
        .find(|q| q.whole && q.window == Window::Hour && q.figure == Figure::DurationP99)
        .unwrap();
    assert_eq!(whole.period, 3600);
}

#[test]
fn counts_add_up_and_percentiles_come_from_the_whole_window() {
    let now = 7200 + 100;
    let q = queries(&[Window::Hour]);
    let id = |f: Figure, whole: bool| {
        q.iter()
            .find(|q| q.figure == f && q.whole == whole)
            .unwrap()
            .id
    };
    let start = Window::Hour.start(now);
    let answers = BTreeMap::from([
        (
            id(Figure::Invocations, false),
            vec![(start, 3.0), (start + 300, 4.0), (start - 300, 99.0)],
        ),
        (id(Figure::DurationP99, true), vec![(start, 42.0)]),
    ]);
    let n = &numbers(&[Window::Hour], &q, &answers, now)[0];
    let line = |f: Figure| n.lines.iter().find(|l| l.figure == f).unwrap();
    assert_eq!(
        line(Figure::Invocations).total,
        Some(7.0),
        "the point before the window is left out"
    );
    assert_eq!(line(Figure::Invocations).bars[..2], [Some(3.0), Some(4.0)]);
    assert_eq!(line(Figure::DurationP99).total, Some(42.0));
    let errors = line(Figure::Errors).total.unwrap();
    assert!(
        errors == 0.0 && errors.is_sign_positive(),
        "{errors} prints as -0"
    );
    assert_eq!(line(Figure::DurationMax).total, None);
}

#[test]
fn sparklines_scale_to_the_highest_bar() {
    assert_eq!(sparkline(&[Some(0.0), Some(4.0), Some(8.0), None]), "▁▅█ ");
    assert_eq!(sparkline(&[Some(0.0), Some(0.0)]), "▁▁");
    assert_eq!(sparkline(&[None, None]), "  ");
}
