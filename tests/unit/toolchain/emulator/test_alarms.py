"""Alarm evaluation as CloudWatch does it: periods, statistics, missing data, hand-set states."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from toolchain.emulator.cloudwatch.alarms import HOLD_SECONDS, AlarmEvaluator, evaluate

NOW = 1_800_000_000.0


def alarm(**overrides: Any) -> SimpleNamespace:
    base: dict[str, Any] = {
        "name": "fn-throttles", "alarm_arn": "arn:alarm", "namespace": "AWS/Lambda", "metric_name": "Throttles",
        "dimensions": [SimpleNamespace(name="FunctionName", value="fn")], "statistic": "Sum", "period": 300,
        "evaluation_periods": 1, "datapoints_to_alarm": None, "threshold": 0,
        "comparison_operator": "GreaterThanThreshold", "treat_missing_data": "notBreaching",
        "metric_data_queries": [], "state_value": "OK", "state_reason": "Unchecked: Initial alarm creation",
        "state_updated_timestamp": datetime.fromtimestamp(NOW, UTC),
    }  # fmt: skip
    base.update(overrides)
    return SimpleNamespace(**base)


@pytest.mark.documents("emulator.md", "Alarms are evaluated")
def test_a_breaching_sum_alarms_and_no_data_is_ok_when_not_breaching() -> None:
    assert evaluate(alarm(), [(NOW - 10, 1.0)], NOW)[0] == "ALARM"
    assert evaluate(alarm(), [(NOW - 400, 5.0)], NOW)[0] == "OK"  # older than the period
    assert evaluate(alarm(treat_missing_data="missing"), [], NOW) == ("INSUFFICIENT_DATA", "no datapoints")
    assert evaluate(alarm(treat_missing_data="ignore"), [], NOW) is None


@pytest.mark.documents("emulator.md", "Alarms are evaluated")
def test_statistics_operators_and_m_of_n() -> None:
    duration = alarm(metric_name="Duration", statistic="Maximum", threshold=8000,
                     comparison_operator="GreaterThanOrEqualToThreshold")  # fmt: skip
    assert evaluate(duration, [(NOW - 1, 100.0), (NOW - 2, 8000.0)], NOW)[0] == "ALARM"
    two_of_three = alarm(evaluation_periods=3, datapoints_to_alarm=2, period=60)
    assert evaluate(two_of_three, [(NOW - 10, 1.0)], NOW)[0] == "OK"
    assert evaluate(two_of_three, [(NOW - 10, 1.0), (NOW - 70, 1.0)], NOW)[0] == "ALARM"


@dataclass
class Backend:
    alarms: dict[str, Any]
    metrics: list[Any] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def get_all_metrics(self) -> list[Any]:
        return self.metrics

    def set_alarm_state(self, name: str, reason: str, reason_data: str, state: str) -> None:
        self.calls.append((name, state))
        self.alarms[name].state_value = state
        self.alarms[name].state_reason = reason


def datum(name: str, value: float, function: str = "fn") -> SimpleNamespace:
    return SimpleNamespace(namespace="AWS/Lambda", name=name, value=value,
                           dimensions=[SimpleNamespace(name="FunctionName", value=function)],
                           timestamp=datetime.fromtimestamp(NOW - 5, UTC))  # fmt: skip


@pytest.mark.documents("emulator.md", "Alarms are evaluated")
def test_the_evaluator_sets_states_from_matching_metrics_only_and_respects_a_hand_set_state() -> None:
    backend = Backend({"fn-throttles": alarm()}, [datum("Throttles", 1, "other"), datum("Errors", 3)])
    evaluator = AlarmEvaluator(lambda: [backend], clock=lambda: NOW)
    assert evaluator.evaluate_once() == 0  # another function's throttles, this one's errors: no match
    backend.metrics.append(datum("Throttles", 2))
    assert evaluator.evaluate_once() == 1 and backend.calls == [("fn-throttles", "ALARM")]
    # someone sets it OK by hand: left alone until a minute has passed
    backend.alarms["fn-throttles"].state_value, backend.alarms["fn-throttles"].state_reason = "OK", "by hand"
    assert evaluator.evaluate_once() == 0
    # a minute on, the next evaluation sees the throttles (still inside the period) and alarms again
    evaluator._clock = lambda: NOW + HOLD_SECONDS + 1
    assert evaluator.evaluate_once() == 1 and backend.calls[-1] == ("fn-throttles", "ALARM")
