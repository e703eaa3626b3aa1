"""CloudWatch alarms evaluated against the metrics in the emulator, as CloudWatch evaluates them.

moto stores alarms and metric data but never changes an alarm's state. Here each metric alarm is
evaluated every few seconds: its statistic over each of its last `evaluation_periods` periods,
compared with its threshold, missing data treated as `treat_missing_data` says, ALARM when at least
`datapoints_to_alarm` periods breach. A state someone set by hand (SetAlarmState) is left alone for
a minute, as CloudWatch leaves it until its next evaluation. Alarms on metric math are not evaluated.

Every change of state, evaluated or set by hand, notifies the alarm's actions for the new state
(`AlarmActions`, `OKActions`, `InsufficientDataActions`) when its actions are enabled, with the
message CloudWatch publishes to SNS. Actions other than SNS topics (Auto Scaling, EC2, Systems
Manager) are not carried out.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from toolchain.emulator.iam.enforcement import refused
from toolchain.emulator.iam.resource_based import topic_at
from toolchain.emulator.iam.resource_policies import Invoker
from toolchain.emulator.iam.service_keys import topic_refusal

HOLD_SECONDS = 60.0
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}
_STATISTICS: dict[str, Callable[[list[float]], float]] = {
    "Sum": sum,
    "Maximum": max,
    "Minimum": min,
    "Average": lambda values: sum(values) / len(values),
    "SampleCount": lambda values: float(len(values)),
}


def _epoch(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _dimensions(items: Iterable[Any]) -> frozenset[tuple[str, str]]:
    return frozenset((d.name, d.value) for d in items)


def evaluate(alarm: Any, datapoints: Iterable[tuple[float, float]], now: float) -> tuple[str, str] | None:
    """(state, reason) for the alarm given (timestamp, value) datapoints of its metric; None to leave it."""
    compare, statistic = _COMPARE.get(alarm.comparison_operator), _STATISTICS.get(alarm.statistic or "")
    if compare is None or statistic is None or not alarm.period:
        return None
    periods = int(alarm.evaluation_periods or 1)
    period = float(alarm.period)
    buckets: list[list[float]] = [[] for _ in range(periods)]
    for timestamp, value in datapoints:
        age = now - timestamp
        if 0 <= age < period * periods:
            buckets[int(age // period)].append(value)
    missing = alarm.treat_missing_data or "missing"
    breaching = 0
    evaluated = 0
    for values in buckets:
        if values:
            evaluated += 1
            breaching += compare(statistic(values), float(alarm.threshold))
        elif missing == "breaching":
            evaluated += 1
            breaching += 1
        elif missing == "notBreaching":
            evaluated += 1
    if evaluated == 0:
        return ("INSUFFICIENT_DATA", "no datapoints") if missing == "missing" else None
    needed = int(alarm.datapoints_to_alarm or periods)
    if breaching >= needed:
        return "ALARM", f"{breaching} of the last {periods} periods breached the threshold ({alarm.threshold})"
    return "OK", f"{breaching} of the last {periods} periods breached the threshold ({alarm.threshold})"


class AlarmEvaluator:
    def __init__(self, backends: Callable[[], Iterable[Any]], clock: Callable[[], float] = time.time) -> None:
        self._backends = backends
        self._clock = clock
        self._set_by_us: dict[str, str] = {}

    def evaluate_once(self) -> int:
        """Evaluate every metric alarm; returns how many changed state."""
        changed = 0
        now = self._clock()
        for backend in self._backends():
            by_metric: dict[tuple[Any, ...], list[tuple[float, float]]] | None = None
            for alarm in list(backend.alarms.values()):
                if not alarm.metric_name or alarm.metric_data_queries:
                    continue
                fresh = str(alarm.state_reason).startswith("Unchecked")  # as created: nobody chose this state
                by_hand = not fresh and self._set_by_us.get(alarm.alarm_arn) != alarm.state_value
                if by_hand and now - _epoch(alarm.state_updated_timestamp) < HOLD_SECONDS:
                    continue
                if by_metric is None:  # every datapoint read once a cycle, not once per alarm
                    by_metric = _by_metric(backend.get_all_metrics())
                key = (alarm.namespace, alarm.metric_name, _dimensions(alarm.dimensions))
                verdict = evaluate(alarm, by_metric.get(key, []), now)
                if verdict is None or verdict[0] == alarm.state_value:
                    self._set_by_us[alarm.alarm_arn] = alarm.state_value
                    continue
                state, reason = verdict
                backend.set_alarm_state(alarm.name, f"Threshold Crossed: {reason}", json.dumps({}), state)
                self._set_by_us[alarm.alarm_arn] = state
                changed += 1
        return changed


def notification(alarm: Any, old_state: str, region: str) -> dict[str, Any]:
    """What CloudWatch publishes to an alarm's SNS actions."""
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": alarm.alarm_arn.split(":")[4],
        "AlarmArn": alarm.alarm_arn,
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "+0000"),
        "Region": region,
        "OldStateValue": old_state,
        "Trigger": {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "StatisticType": "Statistic",
            "Statistic": str(alarm.statistic or "").upper(),
            "Unit": alarm.unit,
            "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
            "Period": alarm.period,
            "EvaluationPeriods": alarm.evaluation_periods,
            "ComparisonOperator": alarm.comparison_operator,
            "Threshold": alarm.threshold,
            "TreatMissingData": alarm.treat_missing_data or "missing",
        },
    }


class AlarmActions:
    """Mixin for moto's CloudWatchBackend: SetAlarmState (which the evaluator uses too) notifies the new
    state's SNS actions when the alarm's actions are enabled, with the message CloudWatch publishes."""

    emulator: Any

    def set_alarm_state(self, alarm_name: str, reason: str, reason_data: str, state_value: str) -> None:
        from moto.sns.models import sns_backends

        alarm = self.alarms.get(alarm_name)  # type: ignore[attr-defined]
        old_state = alarm.state_value if alarm is not None else None
        super().set_alarm_state(alarm_name, reason, reason_data, state_value)  # type: ignore[misc]
        if alarm is None or old_state == state_value or not alarm.actions_enabled:
            return
        actions = {"ALARM": alarm.alarm_actions, "OK": alarm.ok_actions,
                   "INSUFFICIENT_DATA": alarm.insufficient_data_actions}.get(state_value) or []  # fmt: skip
        region = self.region_name  # type: ignore[attr-defined]
        message = json.dumps(notification(alarm, str(old_state), region))
        subject = f'{state_value}: "{alarm_name}" in {region}'[:99]
        for arn in actions:
            parts = str(arn).split(":")
            if len(parts) < 6 or parts[2] != "sns":
                continue
            if not self._may_publish(alarm_name, str(arn)):
                continue
            try:
                sns_backends[parts[4]][parts[3]].publish(message, arn=arn, subject=subject)
            except Exception as exc:  # a missing topic must not undo the state change
                log = self.emulator.log if self.emulator else print
                log(f"alarm {alarm_name}: action {arn} not notified: {exc!r}")

    def _may_publish(self, alarm_name: str, topic_arn: str) -> bool:
        """CloudWatch publishes only as the topic's policy and (if encrypted) its key's policy let it
        (service_keys.py)."""
        topic = topic_at(topic_arn)
        if topic is None:  # a missing topic is reported by the publish below
            return True
        account = topic_arn.split(":")[4]
        invoker = Invoker("cloudwatch.amazonaws.com", self.alarms[alarm_name].alarm_arn, account)  # type: ignore[attr-defined]
        refusal = topic_refusal(topic, invoker)
        if refusal is None:
            return True
        return refused(self.emulator.log if self.emulator else print, f"alarm {alarm_name}: action {topic_arn} "
                       "not notified", refusal)  # fmt: skip


def _by_metric(metrics: Iterable[Any]) -> dict[tuple[Any, ...], list[tuple[float, float]]]:
    """Raw datapoints (time, value) by namespace, name and exact dimensions."""
    found: dict[tuple[Any, ...], list[tuple[float, float]]] = {}
    for m in metrics:
        if hasattr(m, "value"):
            key = (m.namespace, m.name, _dimensions(m.dimensions))
            found.setdefault(key, []).append((_epoch(m.timestamp), float(m.value)))
    return found


def moto_backends() -> Iterable[Any]:
    from moto.cloudwatch.models import cloudwatch_backends

    for regions in list(cloudwatch_backends.values()):
        yield from list(regions.values())


def alarm_history_answered(original: Any, emulator: Any) -> Any:
    """CloudWatchResponse.describe_alarm_history, which moto lacks: an alarm's state changes, newest
    first, as CloudWatch lists them ("Alarm updated from OK to ALARM"), from the earlier states moto
    keeps on each alarm. Only StateUpdate items exist here (no ConfigurationUpdate or Action ones)."""

    def describe_alarm_history(self: Any) -> Any:
        from moto.core.responses import ActionResult

        name = self._get_param("AlarmName")
        kind = self._get_param("HistoryItemType")
        start, end = self._get_param("StartDate"), self._get_param("EndDate")
        newest_first = self._get_param("ScanBy", "TimestampDescending") != "TimestampAscending"
        limit = int(self._get_param("MaxRecords") or 100)
        items = []
        for alarm in list(self.cloudwatch_backend.alarms.values()):
            if (name and alarm.name != name) or kind not in (None, "StateUpdate"):
                continue
            states = [(entry[3], entry[1], entry[4]) for entry in alarm.history]
            states.append((alarm.state_value, alarm.state_reason, alarm.state_updated_timestamp))
            for (old, old_reason, _), (new, reason, at) in itertools.pairwise(states):
                if old == new:
                    continue
                data = {"version": "1.0", "oldState": {"stateValue": old, "stateReason": old_reason},
                        "newState": {"stateValue": new, "stateReason": reason}}  # fmt: skip
                items.append({"AlarmName": alarm.name, "AlarmType": "MetricAlarm", "Timestamp": at,
                              "HistoryItemType": "StateUpdate", "HistorySummary": f"Alarm updated from {old} to {new}",
                              "HistoryData": json.dumps(data)})  # fmt: skip
        items = [i for i in items if (not start or i["Timestamp"] >= _moment(start))
                 and (not end or i["Timestamp"] <= _moment(end))]  # fmt: skip
        items.sort(key=lambda i: i["Timestamp"], reverse=newest_first)
        return ActionResult({"AlarmHistoryItems": items[:limit]})

    return describe_alarm_history


def _moment(value: Any) -> Any:
    import datetime as dt

    from moto.core.utils import utcnow

    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if utcnow().tzinfo is None else value
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.astimezone(dt.UTC).replace(tzinfo=None) if utcnow().tzinfo is None else parsed
