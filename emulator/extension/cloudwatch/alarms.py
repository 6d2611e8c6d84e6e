"""CloudWatch metric alarms that evaluate, patched into moto 5.2.6 (which never does).

Faithful to the CloudWatch User Guide ("Using Amazon CloudWatch alarms":
"Evaluating an alarm", "Configuring how CloudWatch alarms treat missing
data", "Percentile-based alarms and low data samples") and the PutMetricAlarm
/ SetAlarmState / DescribeAlarmHistory API references, for alarms on one
metric (Namespace, MetricName, Dimensions, Unit; Statistic or
ExtendedStatistic ``pNN``; the four threshold ComparisonOperators):

* PutMetricAlarm: a new alarm starts INSUFFICIENT_DATA ("Unchecked: Initial
  alarm creation"); an update keeps the alarm's state ("When you update an
  existing alarm, its state is left unchanged"). The alarm is evaluated at
  once, then by a background evaluator every second and right after every
  datapoint of its metric (PutMetricData, awslambda.metrics).
* Evaluation: one datapoint per Period (periods aligned to the clock, the
  current, partial one included, so a burst alarms at once), the statistic
  computed as GetMetricData does (cloudwatch.metric_data). CloudWatch
  retrieves more datapoints than EvaluationPeriods (N), the "evaluation
  range" (N + 2 periods here, as in the guide's example of 5 for 3). If it
  holds N or more datapoints, the N most recent are evaluated and missing
  data is not considered. Otherwise every datapoint in the range is used
  and N minus their number are filled per TreatMissingData: ``breaching`` /
  ``notBreaching`` fill breaching / non-breaching ones; ``missing`` (the
  default) and ``ignore`` fill none: with no datapoint at all, ``missing``
  gives INSUFFICIENT_DATA and ``ignore`` keeps the state; else DatapointsToAlarm
  (M) breaching ones give ALARM, a non-breaching one gives OK, and only fewer
  than M breaching ones give INSUFFICIENT_DATA (``ignore``: the state is kept)
  -- unless the N most recent periods are all empty, when the older breaching
  ones give ALARM (the guide's tables, rows "X - - - -" and "- - - - X").
  Then: fewer than M breaching means OK, else ALARM. Alarms on AWS/DynamoDB
  always ignore missing data. With ``EvaluateLowSampleCountPercentile:
  ignore``, a percentile alarm keeps its state while the range holds fewer
  than 10/(1-p) samples (p >= 0.5) or 10/p (p < 0.5).
* A change of state sets StateValue, StateReason, StateReasonData,
  StateUpdatedTimestamp and StateTransitionedTimestamp
  (cloudwatch.notices: the formats), adds a StateUpdate history item
  and, with ActionsEnabled, publishes one message to every SNS topic among
  the new state's actions (AlarmActions, OKActions,
  InsufficientDataActions), each followed by an Action history item ("Alarm
  invoke actions for sustained state changes only ... For Amazon SNS
  notifications, no additional actions are invoked"): one message per
  transition, none while the state stays.
* SetAlarmState changes the state (history, actions) until the next
  comparison: a new datapoint of the metric, or the next period boundary.
* DescribeAlarmHistory: AlarmName, AlarmTypes (only metric alarms unless
  told), HistoryItemType, StartDate / EndDate, ScanBy (TimestampDescending
  by default), MaxRecords (100) and NextToken. History outlives the alarm.
* DeleteAlarms drops the alarm's tags with it; ListTagsForResource of an
  alarm that does not exist answers ResourceNotFoundException. POST
  /moto-api/reset forgets the history.
"""

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from moto.cloudwatch.exceptions import ResourceNotFoundException, ValidationError
from moto.cloudwatch.models import CloudWatchBackend, cloudwatch_backends
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.sns.models import sns_backends

from extension.cloudwatch import notices
from extension.cloudwatch import metric_data
from extension.cloudwatch.notices import ALARM, INSUFFICIENT, OK, OPERATORS

EVALUATION_INTERVAL = 1.0  # seconds between the background evaluator's rounds
EXTRA_PERIODS = 2
EPOCH = datetime(1970, 1, 1)
STATE = ("state_value", "state_reason", "state_reason_data", "state_updated_timestamp",
         "state_transitioned_timestamp")
_log = logging.getLogger("cloudwatch.alarms")
_lock = threading.RLock()
_history: dict[tuple[str, str], list[dict[str, Any]]] = {}
_held: dict[str, datetime] = {}  # alarm ARN -> SetAlarmState's state holds until then


@dataclass
class Decision:
    state: str
    used: list[int] = field(default_factory=list)  # the real datapoints evaluated
    fills: int = 0
    fill_kind: str | None = None
    unknown: int = 0


def decide(points: list[bool | None], n: int, m: int, treatment: str, current: str) -> Decision:
    """The state from the evaluation range's verdicts (oldest first; None: missing)."""
    real = [i for i, verdict in enumerate(points) if verdict is not None]
    if len(real) >= n:
        used = real[-n:]
        return Decision(ALARM if sum(points[i] for i in used) >= m else OK, used)
    fills, breaching = n - len(real), sum(points[i] for i in real)
    if treatment in ("breaching", "notBreaching"):
        bad = treatment == "breaching"
        state = ALARM if breaching + (fills if bad else 0) >= m else OK
        return Decision(state, real, fills, "Breaching" if bad else "NonBreaching")
    if not real:
        return Decision(current if treatment == "ignore" else INSUFFICIENT, unknown=n)
    if breaching >= m:
        return Decision(ALARM, real)
    if breaching < len(real):
        return Decision(OK, real)
    if treatment == "ignore":
        return Decision(current, real)
    if all(verdict is None for verdict in points[-n:]):
        return Decision(ALARM, real)
    return Decision(INSUFFICIENT, real, unknown=fills)


def _breaches(operator: str, value: float, threshold: float) -> bool:
    return {"GreaterThanOrEqualToThreshold": value >= threshold,
            "GreaterThanThreshold": value > threshold, "LessThanThreshold": value < threshold,
            "LessThanOrEqualToThreshold": value <= threshold}[operator]


def _evaluable(alarm: Any) -> bool:
    return (alarm.rule is None and not alarm.metric_data_queries and bool(alarm.metric_name)
            and alarm.comparison_operator in OPERATORS and bool(alarm.period)
            and bool(alarm.evaluation_periods) and bool(alarm.statistic or alarm.extended_statistic))


def _too_few_samples(alarm: Any, found: list[Any]) -> bool:
    rank = metric_data.percentile_rank(alarm.extended_statistic or "")
    if rank is None or alarm.evaluate_low_sample_count_percentile != "ignore":
        return False
    fraction = rank / 100.0
    needed = 10 / (1 - fraction) if 0.5 <= fraction < 1 else 10 / fraction if fraction else 0
    return sum(point[2] for point in found if point) < needed


def _record(backend: Any, item: dict[str, Any]) -> None:
    _history.setdefault((backend.account_id, backend.region_name), []).append(item)


def _changed(backend: Any, alarm: Any, old: dict[str, Any]) -> list[tuple]:
    """History and notifications of a state that changed (caller holds _lock)."""
    _record(backend, notices.state_history(alarm, old))
    if not alarm.actions_enabled:
        return []
    actions = {ALARM: alarm.alarm_actions, OK: alarm.ok_actions,
               INSUFFICIENT: alarm.insufficient_data_actions}.get(alarm.state_value) or []
    subject, message = notices.message(alarm, backend.account_id, old["stateValue"])
    return [(backend, alarm, arn, subject, message) for arn in actions if ":sns:" in arn]


def _evaluate(backend: Any, alarm: Any, now: datetime, periodic: bool = False) -> list[tuple]:
    """Evaluate one alarm (caller holds _lock); the notifications to send."""
    if not _evaluable(alarm):
        return []
    held = _held.get(alarm.alarm_arn)
    if held is not None and periodic and now < held:
        return []
    _held.pop(alarm.alarm_arn, None)
    period, n = int(alarm.period), int(alarm.evaluation_periods)
    current = metric_data.bucket(now, EPOCH, period)
    starts = [current - timedelta(seconds=period * k) for k in range(n + EXTRA_PERIODS)][::-1]
    stat = alarm.statistic or alarm.extended_statistic
    found_at = {when: (when, value, count) for when, value, count in metric_data.datapoints(
        backend, alarm.namespace, alarm.metric_name, alarm.dimensions, alarm.unit, stat, period,
        EPOCH, starts[0], current + timedelta(seconds=period))}
    found = [found_at.get(start) for start in starts]
    if _too_few_samples(alarm, found):
        return []
    verdicts = [None if point is None else _breaches(alarm.comparison_operator, point[1],
                                                     float(alarm.threshold)) for point in found]
    treatment = "ignore" if alarm.namespace == "AWS/DynamoDB" else (
        alarm.treat_missing_data or "missing")
    decision = decide(verdicts, n, int(alarm.datapoints_to_alarm or n), treatment,
                      alarm.state_value)
    if decision.state == alarm.state_value:
        return []
    evaluated = [found[i] for i in decision.used]
    old = {"stateValue": alarm.state_value, "stateReason": alarm.state_reason}
    alarm.state_reason = notices.reason(alarm, alarm.state_value, decision.state, evaluated,
                                        [verdicts[i] for i in decision.used], decision.fills,
                                        decision.fill_kind, decision.unknown)
    alarm.state_reason_data = notices.reason_data(
        alarm, now, evaluated[0][0] if evaluated else starts[-n], evaluated)
    alarm.state_value = decision.state
    alarm.state_updated_timestamp = alarm.state_transitioned_timestamp = now
    return _changed(backend, alarm, old)


def _notify(pending: list[tuple]) -> None:
    """Publish to each action's topic (outside _lock), then record the Action."""
    for backend, alarm, arn, subject, message in pending:
        parts = arn.split(":")
        try:
            sns_backends[parts[4]][parts[3]].publish(message, arn=arn, subject=subject[:100])
            ok = True
        except Exception:  # CloudWatch doesn't validate its actions
            ok = False
        with _lock:
            _record(backend, notices.action_history(alarm, arn, ok, message, utcnow()))


def datapoints_added(backend: Any, namespace: str, names: set[str]) -> None:
    """New datapoints of these metrics: evaluate the alarms on them now."""
    try:
        now, pending = utcnow(), []
        with _lock:
            for alarm in list(backend.alarms.values()):
                if alarm.namespace == namespace and alarm.metric_name in names:
                    pending += _evaluate(backend, alarm, now)
        _notify(pending)
    except Exception:
        _log.exception("alarm evaluation failed")


def evaluate_all() -> None:
    """One round of the background evaluator."""
    try:
        backends = list(cloudwatch_backends.iter_backends())
    except RuntimeError:  # a backend appeared while listing: next round
        return
    now, pending = utcnow(), []
    with _lock:
        for _, _, backend in backends:
            for alarm in list(backend.alarms.values()):
                pending += _evaluate(backend, alarm, now, periodic=True)
    _notify(pending)


def _evaluator() -> None:
    while True:
        time.sleep(EVALUATION_INTERVAL)
        try:
            evaluate_all()
        except Exception:
            _log.exception("alarm evaluation failed")


# --- the API ------------------------------------------------------------------------------


def check_alarm(period: int | None, evaluation_periods: int | None,
                datapoints_to_alarm: int | None) -> None:
    """PutMetricAlarm's rules beyond the model (API reference, "Period"), as AWS words them."""
    if period is not None and period not in (10, 20, 30) and period % 60:
        raise ValidationError("Period must be 10, 20, 30 or a multiple of 60")
    if datapoints_to_alarm is not None and evaluation_periods is not None \
            and datapoints_to_alarm > evaluation_periods:
        raise ValidationError("DatapointsToAlarm must be less than or equal to EvaluationPeriods")


def _patch_put(original: Any) -> Any:
    def put_metric_alarm(self: Any, *args: Any, **kwargs: Any) -> Any:
        name = kwargs["name"] if "name" in kwargs else args[0]
        check_alarm(kwargs.get("period"), kwargs.get("evaluation_periods"),
                    kwargs.get("datapoints_to_alarm"))
        now = utcnow()
        with _lock:
            old = self.alarms.get(name)
            alarm = original(self, *args, **kwargs)
            if old is not None and old is not alarm:
                for attr in STATE:
                    setattr(alarm, attr, getattr(old, attr, None))
            elif old is None:
                alarm.state_value, alarm.state_reason = INSUFFICIENT, "Unchecked: Initial alarm creation"
                alarm.state_reason_data = None
                alarm.state_updated_timestamp = alarm.state_transitioned_timestamp = now
            alarm.configuration_updated_timestamp = now
            _record(self, notices.config_history(alarm, old is None))
            _held.pop(alarm.alarm_arn, None)
            pending = _evaluate(self, alarm, now)
        _notify(pending)
        return alarm

    return put_metric_alarm


def _patch_set_state(original: Any) -> Any:
    def set_alarm_state(self: Any, alarm_name: str, reason: str, reason_data: str,
                        state_value: str) -> None:
        with _lock:
            alarm = self.alarms.get(alarm_name)
            old = {"stateValue": alarm.state_value, "stateReason": alarm.state_reason} if alarm else {}
            original(self, alarm_name, reason, reason_data, state_value)  # validates, sets
            alarm = self.alarms[alarm_name]
            pending = []
            if old.get("stateValue") != state_value:
                alarm.state_transitioned_timestamp = alarm.state_updated_timestamp
                pending = _changed(self, alarm, old)
            if alarm.period:
                period = int(alarm.period)
                _held[alarm.alarm_arn] = metric_data.bucket(utcnow(), EPOCH, period) + timedelta(
                    seconds=period)
        _notify(pending)

    return set_alarm_state


def _patch_delete(original: Any) -> Any:
    def delete_alarms(self: Any, alarm_names: list[str]) -> None:
        with _lock:
            for name in alarm_names:
                alarm = self.alarms.get(name)
                if alarm is not None:
                    self.tagger.delete_all_tags_for_resource(alarm.alarm_arn)
                    _held.pop(alarm.alarm_arn, None)
            original(self, alarm_names)

    return delete_alarms


def _patch_list_tags(original: Any) -> Any:
    def list_tags_for_resource(self: Any, arn: str) -> dict[str, str]:
        if ":alarm:" in (arn or "") and all(a.alarm_arn != arn for a in self.alarms.values()):
            raise ResourceNotFoundException
        return original(self, arn)

    return list_tags_for_resource


def _patch_put_data(original: Any) -> Any:
    def put_metric_data(self: Any, namespace: str, metric_data_list: list[dict[str, Any]]) -> None:
        original(self, namespace, metric_data_list)
        datapoints_added(self, namespace, {m.get("MetricName") for m in metric_data_list})

    return put_metric_data


def describe_alarm_history(self: Any) -> ActionResult:
    """DescribeAlarmHistory (CloudWatchResponse)."""
    name, kind = self._get_param("AlarmName"), self._get_param("HistoryItemType")
    types = self._get_param("AlarmTypes") or ["MetricAlarm"]
    start, end = self._get_param("StartDate"), self._get_param("EndDate")
    max_records, token = self._get_param("MaxRecords") or 100, self._get_param("NextToken")
    if not isinstance(max_records, int) or not 1 <= max_records <= 100:
        raise ValidationError(f"1 validation error detected: Value '{max_records}' at "
                              "'maxRecords' failed to satisfy constraint: Member must have "
                              "value between 1 and 100")
    backend = self.cloudwatch_backend
    with _lock:
        items = list(_history.get((backend.account_id, backend.region_name), []))
    items = [item for item in items
             if (not name or item["AlarmName"] == name) and item["AlarmType"] in types
             and (not kind or item["HistoryItemType"] == kind)
             and (start is None or item["Timestamp"] >= start)
             and (end is None or item["Timestamp"] <= end)]
    items.sort(key=lambda item: item["Timestamp"],
               reverse=(self._get_param("ScanBy") or "TimestampDescending") != "TimestampAscending")
    try:
        offset = int(token) if token else 0
    except ValueError:
        raise ValidationError("The nextToken is invalid.") from None
    page = items[offset:offset + max_records]
    more = offset + max_records < len(items)
    return ActionResult({"AlarmHistoryItems": page,
                         "NextToken": str(offset + max_records) if more else None})


def install() -> None:
    """Patch moto in-process and start the evaluator; call before the server serves."""
    CloudWatchBackend.put_metric_alarm = _patch_put(CloudWatchBackend.put_metric_alarm)
    CloudWatchBackend.set_alarm_state = _patch_set_state(CloudWatchBackend.set_alarm_state)
    CloudWatchBackend.delete_alarms = _patch_delete(CloudWatchBackend.delete_alarms)
    CloudWatchBackend.put_metric_data = _patch_put_data(CloudWatchBackend.put_metric_data)
    CloudWatchBackend.list_tags_for_resource = _patch_list_tags(
        CloudWatchBackend.list_tags_for_resource)
    CloudWatchResponse.describe_alarm_history = describe_alarm_history
    threading.Thread(target=_evaluator, name="backend-ctl-alarms", daemon=True).start()


def reset() -> None:
    """Forget the alarms' history and held states (POST /moto-api/reset)."""
    with _lock:
        _history.clear()
        _held.clear()
