"""CloudWatch statistics as GetMetricData computes them, patched into moto 5.2.6.

moto's GetMetricData matches a query's dimensions with a broken sort (and
then ignores the namespace), answers None for a percentile and starts its
periods at the unrounded StartTime; its GetMetricStatistics matches any
superset of the dimensions (so {FunctionName} also counted the datapoints
published with {FunctionName, Resource}) and starts its periods at the
first datapoint. Replaced, faithful to the GetMetricData and
GetMetricStatistics API references and the CloudWatch concepts
("Statistics", "Percentiles", "Dimensions"):

* A metric is its namespace, name and exact set of dimensions: a query with
  {FunctionName} sees only datapoints published with exactly {FunctionName}
  (no dimensions: only datapoints published without any). ``Unit``, when
  given, keeps only datapoints of that unit.
* StartTime is inclusive, EndTime exclusive. StartTime is rounded down: to
  the whole minute (less than 15 days ago), 5 minutes (15-63 days), 1 hour
  (older); with a Period of 1, 5, 10, 20 or 30 seconds, to that many
  seconds. Periods follow each other from the rounded StartTime; each period
  that holds datapoints gives one value, timestamped with the period's start.
* ``Stat``: Sum, Average, Minimum, Maximum, SampleCount, and percentiles
  ``pNN`` / ``pNN.N`` over the raw values of the period (nearest rank: the
  smallest value with at least NN% of the values at or below it; values
  published as a StatisticSet have no percentile). Another stat answers
  ValidationError "The value <stat> for parameter
  MetricDataQueries.member.<i>.MetricStat.Stat is not supported.".
* GetMetricData: several queries a call, each ``{Id, Label, Timestamps,
  Values, StatusCode: Complete}``; Label defaults to the metric name;
  ``ReturnData: false`` computes without answering (math expressions can
  use it); ``ScanBy`` TimestampDescending (the default: newest first) or
  TimestampAscending. Expressions are moto's.
* GetMetricStatistics: the same matching and periods (Statistics only).
* ListMetrics lists each metric (namespace, name, dimension set) once; moto
  listed one per datapoint of a metric with no or several dimensions. Its
  Dimensions filter stays moto's (a metric with more dimensions matches).

``datapoints(...)`` is what alarms evaluate (cloudwatch.alarms).
"""

import math
import re
from datetime import datetime, timedelta
from typing import Any, Iterable

from moto.cloudwatch.exceptions import InvalidParameterValue, ValidationError
from moto.cloudwatch.metric_data_expression_parser import parse_expression
from moto.cloudwatch.models import (CloudWatchBackend, MetricAggregatedDatum, MetricDatum,
                                    Statistics)
from moto.core.utils import utcnow

STATS = ("Sum", "Average", "Minimum", "Maximum", "SampleCount")
PERCENTILE = re.compile(r"p(100|\d{1,2}(?:\.\d{1,10})?)")
EPOCH = datetime(1970, 1, 1)


def valid_stat(stat: Any) -> bool:
    return stat in STATS or bool(isinstance(stat, str) and PERCENTILE.fullmatch(stat))


def percentile_rank(stat: str) -> float | None:
    """0-100 for ``pNN``; None for the other statistics."""
    match = PERCENTILE.fullmatch(stat or "")
    return float(match.group(1)) if match else None


def _raw(datums: Iterable[Any]) -> list[float]:
    return [d.value for d in datums if isinstance(d, MetricDatum)]


def _aggregated(datums: Iterable[Any]) -> list[MetricAggregatedDatum]:
    return [d for d in datums if isinstance(d, MetricAggregatedDatum)]


def sample_count(datums: list[Any]) -> float:
    return float(len(_raw(datums)) + sum(a.sample_count for a in _aggregated(datums)))


def statistic(stat: str, datums: list[Any]) -> float | None:
    """The statistic of one period's datums (None: no value for it)."""
    raw, aggregated = _raw(datums), _aggregated(datums)
    if not raw and not aggregated:
        return None
    if stat == "Sum":
        return float(sum(raw) + sum(a.sum for a in aggregated))
    if stat == "SampleCount":
        return sample_count(datums)
    if stat == "Average":
        count = sample_count(datums)
        return float(sum(raw) + sum(a.sum for a in aggregated)) / count if count else None
    if stat == "Minimum":
        return float(min(raw + [a.min for a in aggregated]))
    if stat == "Maximum":
        return float(max(raw + [a.max for a in aggregated]))
    rank = percentile_rank(stat)
    if rank is None or not raw:
        return None
    ordered = sorted(raw)
    index = max(math.ceil(rank / 100.0 * len(ordered)) - 1, 0)
    return float(ordered[min(index, len(ordered) - 1)])


def _dimension_key(dimensions: Iterable[Any]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for d in dimensions or ():
        if isinstance(d, dict):
            pairs.append((str(d.get("Name")), str(d.get("Value"))))
        else:
            pairs.append((str(d.name), str(d.value)))
    return tuple(sorted(pairs))


def matching(backend: CloudWatchBackend, namespace: str, name: str, dimensions: Any,
             unit: str | None, start: datetime, end: datetime) -> list[Any]:
    """The datums of exactly this metric with start <= timestamp < end."""
    key = _dimension_key(dimensions)
    return [md for md in backend.get_all_metrics()
            if md.namespace == namespace and md.name == name and start <= md.timestamp < end
            and (not unit or md.unit == unit) and _dimension_key(md.dimensions) == key]


def bucket(timestamp: datetime, origin: datetime, period: int) -> datetime:
    offset = (timestamp - origin).total_seconds()
    return origin + timedelta(seconds=math.floor(offset / period) * period)


def datapoints(backend: CloudWatchBackend, namespace: str, name: str, dimensions: Any,
               unit: str | None, stat: str, period: int, origin: datetime, start: datetime,
               end: datetime) -> list[tuple[datetime, float, float]]:
    """(period start, value, sample count) of every period between start and end that
    holds data, oldest first; periods are counted from ``origin``."""
    grouped: dict[datetime, list[Any]] = {}
    for md in matching(backend, namespace, name, dimensions, unit, start, end):
        grouped.setdefault(bucket(md.timestamp, origin, period), []).append(md)
    points = []
    for when in sorted(grouped):
        value = statistic(stat, grouped[when])
        if value is not None:
            points.append((when, value, sample_count(grouped[when])))
    return points


def rounded_start(start: datetime, period: int, now: datetime | None = None) -> datetime:
    """GetMetricData's rounding of StartTime (see the module docstring)."""
    age = (now or utcnow()) - start
    unit = 3600 if age > timedelta(days=63) else 300 if age > timedelta(days=15) else 60
    if period in (1, 5, 10, 20, 30) and unit == 60:
        unit = period
    seconds = math.floor((start - EPOCH).total_seconds() / unit) * unit
    return EPOCH + timedelta(seconds=seconds)


def _check_query(query: dict[str, Any], index: int) -> None:
    stat = query["MetricStat"].get("Stat")
    if not valid_stat(stat):
        raise ValidationError(f"The value {stat} for parameter "
                              f"MetricDataQueries.member.{index}.MetricStat.Stat is not supported.")
    period = query["MetricStat"].get("Period")
    if not isinstance(period, int) or period < 1:
        raise ValidationError(f"The value {period} for parameter "
                              f"MetricDataQueries.member.{index}.MetricStat.Period is not valid.")


def get_metric_data(self: CloudWatchBackend, queries: list[dict[str, Any]], start_time: datetime,
                    end_time: datetime, scan_by: str = "TimestampDescending") -> list[dict[str, Any]]:
    """CloudWatchBackend.get_metric_data: what the module docstring says."""
    if start_time > end_time:
        raise ValidationError("The parameter EndTime must be greater than StartTime.")
    if start_time == end_time:
        raise ValidationError("The parameter StartTime must not equal parameter EndTime.")
    computed, answered = [], []
    for index, query in enumerate(queries, start=1):
        if "MetricStat" not in query:
            continue
        _check_query(query, index)
        stat_query, metric = query["MetricStat"], query["MetricStat"]["Metric"]
        period = int(stat_query["Period"])
        origin = rounded_start(start_time, period)
        points = datapoints(self, metric.get("Namespace"), metric.get("MetricName"),
                            metric.get("Dimensions") or [], stat_query.get("Unit"),
                            stat_query["Stat"], period, origin, origin, end_time)
        if scan_by != "TimestampAscending":
            points.reverse()
        result = {"id": query["Id"], "label": query.get("Label") or metric.get("MetricName"),
                  "values": [value for _, value, _ in points],
                  "timestamps": [when for when, _, _ in points], "status_code": "Complete",
                  "messages": []}
        computed.append(result)
        if query.get("ReturnData", True):
            answered.append(result)
    expressions = [q for q in queries if "Expression" in q]
    for query in expressions:
        if query["Expression"].startswith("SELECT"):
            answered.extend(_original_get_metric_data(self, [query], start_time, end_time, scan_by))
            continue
        values, timestamps = parse_expression(query["Expression"], computed)
        answered.append({"id": query["Id"], "label": query.get("Label") or query["Id"],
                         "values": values, "timestamps": timestamps, "status_code": "Complete",
                         "messages": []})
    return answered


def get_metric_statistics(self: CloudWatchBackend, namespace: str, metric_name: str,
                          start_time: datetime, end_time: datetime, period: int, stats: list[str],
                          dimensions: list[dict[str, str]], unit: str | None = None) -> list[Statistics]:
    """CloudWatchBackend.get_metric_statistics: exact dimensions, periods from StartTime."""
    start_time, end_time = start_time.replace(microsecond=0), end_time.replace(microsecond=0)
    if start_time >= end_time:
        raise InvalidParameterValue("The parameter StartTime must be less than the parameter EndTime.")
    origin = rounded_start(start_time, period)
    grouped: dict[datetime, list[Any]] = {}
    for md in matching(self, namespace, metric_name, dimensions, unit, origin, end_time):
        grouped.setdefault(bucket(md.timestamp, origin, period), []).append(md)
    answer = []
    for when in sorted(grouped):
        statistics = Statistics(stats, when)
        statistics.metric_data = grouped[when]
        statistics.unit = grouped[when][-1].unit
        answer.append(statistics)
    return answer


def get_filtered_metrics(self: CloudWatchBackend, metric_name: str, namespace: str,
                         dimensions: list[dict[str, str]]) -> list[Any]:
    """CloudWatchBackend.get_filtered_metrics (ListMetrics): each metric once."""
    seen, found = set(), []
    for md in self.get_all_metrics():
        key = (md.namespace, md.name, _dimension_key(md.dimensions))
        if key not in seen and md.filter(namespace, metric_name, dimensions):
            seen.add(key)
            found.append(md)
    return found


_original_get_metric_data = CloudWatchBackend.get_metric_data


def install() -> None:
    """Patch moto in-process; call before the server serves its first request."""
    CloudWatchBackend.get_metric_data = get_metric_data
    CloudWatchBackend.get_metric_statistics = get_metric_statistics
    CloudWatchBackend.get_filtered_metrics = get_filtered_metrics
