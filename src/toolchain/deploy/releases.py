"""Releases and rollbacks of an environment: `live` moved all at once, or gradually (a canary or a
linear shift) baked under alarms; and moved back.

`Releases` is the one place both happen (an apply releases through it, `invoke rollback` rolls back
through it); `Strategy` says how a release reaches all of the traffic, `Shifter` carries out a gradual
one, release.py's `Releaser` makes the single alias moves.

A release that changed functions publishes their new versions; here each `live` alias keeps its
current version as primary and routes a share of the traffic to the new one (RoutingConfig's
AdditionalVersionWeights: Lambda draws the version per invocation). The share is held for the bake
while alarms on the new version are watched; the first one in ALARM puts every shifted alias back
on its previous version and the release fails with what fired. A clean bake moves all of the
traffic, and the alias's description records the version before, as every release does.

What the bake watches, because it is what Lambda publishes: for an invocation through an alias,
Errors and Duration per version that ran (dimensions FunctionName, Resource=name:live,
ExecutedVersion=N), so the new version is judged apart from the old one beside it; Throttles per
alias (FunctionName, Resource), since the limit they hit is the function's, whatever version. The
bake's alarms copy the statistic, threshold and comparison of the function's own alarms on those
metrics (infra/modules/lambda_function), with a one-minute period, and are deleted when the bake ends.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from toolchain.deploy.release import ALIAS, Move, Releaser
from toolchain.errors import ToolchainError
from toolchain.reporting import Reporter

# metric -> judged per version that ran (True) or per alias (False)
WATCHED = {"Errors": True, "Duration": True, "Throttles": False}
_DURATION = re.compile(r"(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s?)?")


def parse_duration(text: str) -> float:
    """Seconds in `90`, `90s`, `5m`, `1m30s` or `1h`."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None:
        raise ToolchainError(f"not a duration: {text!r}", "write it as 90s, 5m, 1m30s or 1h")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return float(hours * 3600 + minutes * 60 + seconds)


def _share(option: str, value: int | str) -> int:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 99:
        raise ToolchainError(f"--{option} {text}: a share of the traffic is 1 to 99 percent",
                             f"leave --{option} out to release all at once")  # fmt: skip
    return int(text)


@dataclass(frozen=True)
class Strategy:
    """How a release reaches all of the traffic: the new version's shares before 100%, each held for `hold`."""

    steps: tuple[int, ...] = ()
    hold: float = 0.0

    @classmethod
    def from_options(
        cls, canary: int | str | None = None, bake: str = "", linear: int | str | None = None, step: str = ""
    ) -> Strategy:
        """From the task's options; a share left out is None or "" (0 is a share given, and refused)."""
        given = {name: value for name, value in (("canary", canary), ("linear", linear)) if value not in (None, "")}
        if len(given) == 2:
            raise ToolchainError("choose --canary or --linear, not both")
        if not given:
            if bake or step:
                raise ToolchainError("--bake goes with --canary, --step with --linear")
            return cls()
        ((option, value),) = given.items()
        percent = _share(option, value)
        hold = bake if option == "canary" else step
        if (option == "canary" and step) or (option == "linear" and bake):
            raise ToolchainError("--bake goes with --canary, --step with --linear")
        seconds = parse_duration(hold or ("5m" if option == "canary" else "1m"))
        if seconds <= 0:
            raise ToolchainError("the bake must last some time", "give --bake 5m or --step 1m, say")
        return cls((percent,) if option == "canary" else tuple(range(percent, 100, percent)), seconds)

    @property
    def gradual(self) -> bool:
        return bool(self.steps)

    def describe(self) -> str:
        if not self.steps:
            return "all at once"
        if len(self.steps) == 1:
            return f"canary {self.steps[0]}% for {self.hold:g} s"
        return f"linear {self.steps[0]}% every {self.hold:g} s"


@dataclass(frozen=True)
class Shift:
    function: str
    previous: str
    new: str


class ReleaseRolledBack(ToolchainError):
    """An alarm fired during the bake; every shifted alias is back on its previous version."""


def _dimensions(shift: Shift, per_version: bool) -> list[dict[str, str]]:
    dimensions = [{"Name": "FunctionName", "Value": shift.function},
                  {"Name": "Resource", "Value": f"{shift.function}:{ALIAS}"}]  # fmt: skip
    if per_version:
        dimensions.append({"Name": "ExecutedVersion", "Value": shift.new})
    return dimensions


class BakeAlarms:
    """The alarms a bake watches, made from the shifted functions' own alarms (see the module docstring)."""

    def __init__(self, cloudwatch: Any, shifts: list[Shift]) -> None:
        self._cloudwatch = cloudwatch
        self._shifts = shifts
        self.names: list[str] = []

    def create(self) -> list[str]:
        self._clear_leftovers()
        for shift in self._shifts:
            for metric, per_version in WATCHED.items():
                templates = self._cloudwatch.describe_alarms_for_metric(
                    MetricName=metric, Namespace="AWS/Lambda",
                    Dimensions=[{"Name": "FunctionName", "Value": shift.function}],
                )["MetricAlarms"]  # fmt: skip
                for template in templates[:1]:
                    name = f"{shift.function}-bake-v{shift.new}-{metric.lower()}"
                    self._cloudwatch.put_metric_alarm(
                        AlarmName=name,
                        AlarmDescription=f"{metric} of {shift.function} version {shift.new} while it bakes "
                        f"(from {template['AlarmName']}; made and deleted by the release)",
                        Namespace="AWS/Lambda", MetricName=metric, Dimensions=_dimensions(shift, per_version),
                        Statistic=template["Statistic"], Period=60, EvaluationPeriods=1,
                        Threshold=template["Threshold"], ComparisonOperator=template["ComparisonOperator"],
                        TreatMissingData="notBreaching",
                    )  # fmt: skip
                    self.names.append(name)
        return self.names

    def _clear_leftovers(self) -> None:
        """Bake alarms of the same functions left by a release that was killed mid-bake (an interrupted
        one deletes its own): they would otherwise stay, in whatever state, for versions long gone."""
        stale: list[str] = []
        paginator = self._cloudwatch.get_paginator("describe_alarms")
        for shift in self._shifts:
            pages = paginator.paginate(AlarmNamePrefix=f"{shift.function}-bake-v")
            stale += [a["AlarmName"] for page in pages for a in page["MetricAlarms"]]
        for start in range(0, len(stale), 100):
            self._cloudwatch.delete_alarms(AlarmNames=stale[start : start + 100])

    def firing(self) -> list[str]:
        """`name: reason` of each bake alarm in ALARM."""
        if not self.names:
            return []
        alarms = self._cloudwatch.describe_alarms(AlarmNames=self.names)["MetricAlarms"]
        return [f"{a['AlarmName']}: {a.get('StateReason', '')}" for a in alarms if a["StateValue"] == "ALARM"]

    def served(self, shift: Shift, since: datetime) -> tuple[int, int]:
        """(invocations, errors) of the new version through the alias since `since`."""
        counts = []
        for metric in ("Invocations", "Errors"):
            points = self._cloudwatch.get_metric_statistics(
                Namespace="AWS/Lambda", MetricName=metric, Dimensions=_dimensions(shift, True),
                StartTime=since - timedelta(minutes=1), EndTime=datetime.now(UTC) + timedelta(minutes=1),
                Period=60, Statistics=["Sum"],
            )["Datapoints"]  # fmt: skip
            counts.append(int(sum(p["Sum"] for p in points)))
        return counts[0], counts[1]

    def delete(self) -> None:
        for start in range(0, len(self.names), 100):
            self._cloudwatch.delete_alarms(AlarmNames=self.names[start : start + 100])
        self.names = []


class Shifter:
    """Runs a strategy over the functions a release changed; clock, sleep and poll interval are given."""

    def __init__(
        self,
        lambda_client: Any,
        cloudwatch: Any,
        reporter: Reporter,
        *,
        poll: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._lambda = lambda_client
        self._releaser = Releaser(lambda_client)
        self._cloudwatch = cloudwatch
        self._reporter = reporter
        self._poll, self._clock, self._sleep = poll, clock, sleep

    def shifts(self, functions: dict[str, dict[str, Any]]) -> list[Shift]:
        """The functions whose `live` is not on their newest version: those the release changes."""
        shifts = []
        for fn in functions.values():
            name, new = fn["function_name"], str(fn["version"])
            primary = str(self._releaser.alias(name)["FunctionVersion"])
            if primary != new:
                shifts.append(Shift(name, primary, new))
        return shifts

    def run(self, functions: dict[str, dict[str, Any]], strategy: Strategy) -> list[Move]:
        if not strategy.gradual:
            return self._releaser.release(functions)
        shifts = self.shifts(functions)
        if not shifts:
            return []
        alarms = BakeAlarms(self._cloudwatch, shifts)
        try:
            watched = alarms.create()
            self._reporter.step(f"Releasing {len(shifts)} function(s) gradually ({strategy.describe()}), "
                                f"watching {len(watched)} alarm(s) on the new versions")  # fmt: skip
            for percent in strategy.steps:
                self._weigh(shifts, percent)
                self._bake(shifts, alarms, percent, strategy.hold)
        except BaseException:
            self._back(shifts)
            raise
        finally:
            alarms.delete()
        return [m for m in (self._releaser.move(s.function, s.new) for s in shifts) if m is not None]

    def _weigh(self, shifts: list[Shift], percent: int) -> None:
        for shift in shifts:
            routing = {"AdditionalVersionWeights": {shift.new: percent / 100}}
            self._lambda.update_alias(FunctionName=shift.function, Name=ALIAS, FunctionVersion=shift.previous,
                                      RoutingConfig=routing)  # fmt: skip

    def _back(self, shifts: list[Shift]) -> None:
        """Every shifted alias on its previous version with all of the traffic (its description untouched)."""
        for shift in shifts:
            self._lambda.update_alias(FunctionName=shift.function, Name=ALIAS, FunctionVersion=shift.previous,
                                      RoutingConfig={"AdditionalVersionWeights": {}})  # fmt: skip

    def _bake(self, shifts: list[Shift], alarms: BakeAlarms, percent: int, hold: float) -> None:
        started, since = self._clock(), datetime.now(UTC)
        while True:
            firing = alarms.firing()
            if firing:  # run() puts the aliases back on the way out
                back = ", ".join(f"{s.function} on {s.previous}" for s in shifts)
                raise ReleaseRolledBack(f"rolled back at {percent}%: {'; '.join(firing)}",
                                        f"live is back on the previous version ({back}): fix the build, then "
                                        "promote it again")  # fmt: skip
            elapsed = self._clock() - started
            served = [alarms.served(s, since) for s in shifts]
            self._reporter.detail(
                f"{percent:>2}% on the new versions, {min(elapsed, hold):.0f}/{hold:.0f} s: "
                f"{sum(i for i, _ in served)} invocation(s), {sum(e for _, e in served)} error(s), no alarm"
            )
            if elapsed >= hold:
                return
            self._sleep(min(self._poll, hold - elapsed))


class Releases:
    """Release and rollback of one environment's functions, on the environment's own clients."""

    def __init__(self, environments: Any) -> None:
        self._envs = environments

    def release(self, env: str, outputs: dict[str, Any], strategy: Strategy) -> list[Move]:
        """Every function's `live` alias on its latest published version: all at once, or by `strategy`."""
        functions = outputs.get("functions") or {}
        if strategy.gradual:
            shifter = Shifter(self._envs.deploy_client("lambda", env), self._envs.deploy_client("cloudwatch", env),
                              self._envs.reporter)  # fmt: skip
            try:
                moves = shifter.run(functions, strategy)
            except BaseException:
                # live no longer runs what was applied: the next `up` applies and releases again
                self._envs.forget_applied(env)
                raise
        else:
            moves = Releaser(self._envs.deploy_client("lambda", env)).release(functions)
        for move in moves:
            self._envs.reporter.detail(f"{move.function}: live {move.before} -> {move.after}")
        return moves

    def rollback(self, env: str, function: str | None = None) -> list[Move]:
        """Every function's (or one's) `live` alias back on the version it pointed at before."""
        self._envs.require(env)
        functions = self._envs.deployed_outputs(env).get("functions") or {}
        if function is not None:
            if function not in functions:
                raise ToolchainError(f"{function} is not deployed in {env}", f"apply {env} first")
            functions = {function: functions[function]}
        moves, nothing = Releaser(self._envs.deploy_client("lambda", env)).rollback(functions)
        # the environment no longer runs the build it was applied with: the next `up` is not a no-op,
        # and its apply releases the newest versions again
        self._envs.forget_applied(env)
        if not moves:
            raise ToolchainError(
                f"nothing to roll back in {env}: " + ("no earlier version recorded" if nothing else "already there"),
                "deploy an earlier manifest instead: `invoke promote --manifest <sha256> --to " + env + "`",
            )
        return moves
