"""Gradual release options: durations, canary and linear steps, and what is refused."""

from __future__ import annotations

from typing import Any

import pytest

from toolchain.deploy.releases import BakeAlarms, ReleaseRolledBack, Shift, Shifter, Strategy, parse_duration
from toolchain.errors import ToolchainError
from toolchain.reporting import RecordingReporter


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("90s", 90), ("5m", 300), ("1m30s", 90), ("1h", 3600), (" 2m ", 120)]
)
def test_durations_are_read_in_seconds_minutes_and_hours(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "m", "-5m", "1.5m", "5d"])
def test_anything_else_is_not_a_duration(text: str) -> None:
    with pytest.raises(ToolchainError, match="not a duration"):
        parse_duration(text)


def test_a_canary_holds_one_share_and_a_linear_release_climbs_in_equal_steps() -> None:
    assert Strategy.from_options(canary=10, bake="5m") == Strategy((10,), 300.0)
    assert Strategy.from_options(canary=10) == Strategy((10,), 300.0)  # the bake defaults to 5 minutes
    assert Strategy.from_options(linear=30, step="20s") == Strategy((30, 60, 90), 20.0)
    assert Strategy.from_options(linear=50) == Strategy((50,), 60.0)
    assert not Strategy.from_options().gradual
    assert Strategy.from_options(linear=25, step="1m").describe() == "linear 25% every 60 s"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"canary": 10, "linear": 10}, "not both"),
        ({"canary": 100}, "1 to 99 percent"),
        ({"linear": -5}, "1 to 99 percent"),
        ({"canary": 0}, "leave --canary out to release all at once"),  # an explicit 0 is not "all at once"
        ({"canary": "0"}, "leave --canary out"),
        ({"linear": "0"}, "leave --linear out"),
        ({"canary": "１０"}, "1 to 99 percent"),
        ({"bake": "5m"}, "--bake goes with --canary"),
        ({"canary": 10, "step": "1m"}, "--bake goes with --canary"),
        ({"canary": 10, "bake": "0s"}, "must last some time"),
        ({"canary": 10, "bake": "soon"}, "not a duration"),
    ],
)
def test_options_that_do_not_make_a_release_say_why(options: dict, message: str) -> None:
    with pytest.raises(ToolchainError, match=message):
        Strategy.from_options(**options)


# -- the shifter against recording fakes of Lambda and CloudWatch ---------------------------------
class FakeLambda:
    def __init__(self) -> None:
        self.alias = {"FunctionVersion": "4", "Description": "previous version: 3"}
        self.updates: list[tuple[str, dict]] = []

    def get_alias(self, FunctionName: str, Name: str) -> dict:
        return dict(self.alias)

    def update_alias(self, FunctionName: str, Name: str, FunctionVersion: str, RoutingConfig: dict,
                     Description: str | None = None) -> None:  # fmt: skip
        self.updates.append((FunctionVersion, RoutingConfig["AdditionalVersionWeights"]))
        self.alias = {"FunctionVersion": FunctionVersion, "Description": Description or self.alias["Description"],
                      "RoutingConfig": RoutingConfig}  # fmt: skip


class FakeCloudWatch:
    def __init__(self, fire_after_polls: int | None = None) -> None:
        self.alarms: dict[str, dict] = {}
        self.polls = 0
        self.fire_after_polls = fire_after_polls

    def describe_alarms_for_metric(self, MetricName: str, Namespace: str, Dimensions: list) -> dict:
        return {"MetricAlarms": [{"AlarmName": f"fn-{MetricName.lower()}", "Statistic": "Sum", "Threshold": 0.0,
                                  "ComparisonOperator": "GreaterThanThreshold"}]}  # fmt: skip

    def put_metric_alarm(self, **alarm: Any) -> None:
        self.alarms[alarm["AlarmName"]] = alarm

    def get_paginator(self, operation: str) -> Any:
        alarms = self.alarms

        class Pages:
            def paginate(self, AlarmNamePrefix: str) -> list[dict]:
                return [{"MetricAlarms": [{"AlarmName": n} for n in alarms if n.startswith(AlarmNamePrefix)]}]

        return Pages()

    def describe_alarms(self, AlarmNames: list[str]) -> dict:
        self.polls += 1
        firing = self.fire_after_polls is not None and self.polls > self.fire_after_polls
        state = "ALARM" if firing else "OK"
        return {"MetricAlarms": [{"AlarmName": n, "StateValue": state, "StateReason": "1 > 0"} for n in AlarmNames]}

    def get_metric_statistics(self, **query: Any) -> dict:
        return {"Datapoints": [{"Sum": 3.0}]}

    def delete_alarms(self, AlarmNames: list[str]) -> None:
        for name in AlarmNames:
            del self.alarms[name]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


FUNCTIONS = {"fn": {"function_name": "fn", "version": 5}}


def _shifter(lam: FakeLambda, cloudwatch: FakeCloudWatch, clock: Clock, reporter: RecordingReporter) -> Shifter:
    return Shifter(lam, cloudwatch, reporter, poll=5.0, clock=clock, sleep=clock.sleep)


@pytest.mark.documents("environments.md", "Gradual releases: canary and linear")
def test_a_linear_release_climbs_step_by_step_then_moves_all_of_the_traffic() -> None:
    lam, cloudwatch, clock, reporter = FakeLambda(), FakeCloudWatch(), Clock(), RecordingReporter()
    moves = _shifter(lam, cloudwatch, clock, reporter).run(FUNCTIONS, Strategy((40, 80), 10.0))
    assert lam.updates == [("4", {"5": 0.4}), ("4", {"5": 0.8}), ("5", {})]
    assert [(m.before, m.after) for m in moves] == [("4", "5")]
    assert lam.alias["Description"] == "previous version: 4"
    assert clock.now == 20.0 and cloudwatch.alarms == {}  # each step baked its 10 s; the bake's alarms are gone
    # progress while it bakes: the share, the time, what the new version served
    progress = [m for m in reporter.messages if m.startswith(("40%", "80%"))]
    assert progress[0] == "40% on the new versions, 0/10 s: 3 invocation(s), 3 error(s), no alarm"
    assert progress[-1] == "80% on the new versions, 10/10 s: 3 invocation(s), 3 error(s), no alarm"


def test_an_alarm_during_the_bake_puts_live_back_and_says_what_fired() -> None:
    lam, cloudwatch, clock = FakeLambda(), FakeCloudWatch(fire_after_polls=1), Clock()
    with pytest.raises(ReleaseRolledBack, match="rolled back at 10%: fn-bake-v5-errors: 1 > 0"):
        _shifter(lam, cloudwatch, clock, RecordingReporter()).run(FUNCTIONS, Strategy((10,), 300.0))
    assert lam.updates[-1] == ("4", {}) and lam.alias["Description"] == "previous version: 3"
    assert clock.now == 5.0 and cloudwatch.alarms == {}


@pytest.mark.documents("environments.md", "Gradual releases: canary and linear")
def test_an_interrupted_bake_puts_live_back_too() -> None:
    lam, cloudwatch, clock = FakeLambda(), FakeCloudWatch(), Clock()

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    shifter = Shifter(lam, cloudwatch, RecordingReporter(), clock=clock, sleep=interrupted)
    with pytest.raises(KeyboardInterrupt):
        shifter.run(FUNCTIONS, Strategy((10,), 300.0))
    assert lam.updates == [("4", {"5": 0.1}), ("4", {})]


@pytest.mark.documents("environments.md", "Gradual releases: canary and linear")
def test_bake_alarms_watch_the_new_version_and_the_alias_as_lambda_publishes_them() -> None:
    cloudwatch = FakeCloudWatch()
    BakeAlarms(cloudwatch, [Shift("fn", "4", "5")]).create()
    dimensions = {name: {d["Name"]: d["Value"] for d in a["Dimensions"]} for name, a in cloudwatch.alarms.items()}
    assert dimensions == {
        "fn-bake-v5-errors": {"FunctionName": "fn", "Resource": "fn:live", "ExecutedVersion": "5"},
        "fn-bake-v5-duration": {"FunctionName": "fn", "Resource": "fn:live", "ExecutedVersion": "5"},
        "fn-bake-v5-throttles": {"FunctionName": "fn", "Resource": "fn:live"},
    }
    assert {a["Period"] for a in cloudwatch.alarms.values()} == {60}


def test_bake_alarms_left_by_a_killed_release_are_cleared_by_the_next_bake() -> None:
    lam, cloudwatch, clock = FakeLambda(), FakeCloudWatch(), Clock()
    cloudwatch.alarms = {"fn-bake-v3-errors": {}, "fn-errors": {}, "other-bake-v3-errors": {}}
    _shifter(lam, cloudwatch, clock, RecordingReporter()).run(FUNCTIONS, Strategy((10,), 5.0))
    assert set(cloudwatch.alarms) == {"fn-errors", "other-bake-v3-errors"}


def test_nothing_to_shift_when_live_is_already_on_the_newest_version() -> None:
    lam = FakeLambda()
    lam.alias["FunctionVersion"] = "5"
    assert Shifter(lam, FakeCloudWatch(), RecordingReporter()).run(FUNCTIONS, Strategy((10,), 60.0)) == []
    assert lam.updates == []
