"""What an environment runs right now, asked of Lambda and CloudWatch rather than of Terraform's state.

Terraform's outputs name the version it published last; every trigger invokes the `live` alias,
which a rollback or a canary moves without Terraform. So the version `live` serves (and the weights
of a canary) is read from GetAlias, and each alarm's state from DescribeAlarms: the two answers an
operator needs first in an incident, on the emulator and on AWS alike.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from toolchain.deploy.release import ALIAS

# DescribeAlarms takes at most 100 names; GetAlias is one call per function, made a few at a time
ALARM_BATCH = 100
PARALLEL_READS = 8


@dataclass(frozen=True)
class Live:
    version: str
    weights: dict[str, float] = field(default_factory=dict)  # an additional version -> its share, in a canary

    def describe(self) -> str:
        extra = ", ".join(f"+v{v} {share:.0%}" for v, share in sorted(self.weights.items()))
        return f"{self.version} ({extra})" if extra else self.version

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "weights": dict(self.weights)}


@dataclass(frozen=True)
class Running:
    functions: dict[str, Live | None]  # by the function's name in pyproject.toml; None: it has no `live`
    alarms: dict[str, str]  # alarm name -> OK, ALARM or INSUFFICIENT_DATA


def read_live(lambda_client: Any, function_name: str) -> Live | None:
    try:
        alias = lambda_client.get_alias(FunctionName=function_name, Name=ALIAS)
    except lambda_client.exceptions.ResourceNotFoundException:
        return None
    weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    return Live(str(alias["FunctionVersion"]), {str(v): float(w) for v, w in weights.items()})


def describe_alarms(cloudwatch: Any, names: list[str]) -> list[dict[str, Any]]:
    """DescribeAlarms of these metric alarms, in batches as large as it takes."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(names), ALARM_BATCH):
        found += cloudwatch.describe_alarms(AlarmNames=names[start : start + ALARM_BATCH])["MetricAlarms"]
    return found


def alarm_states(cloudwatch: Any, names: list[str]) -> dict[str, str]:
    return {alarm["AlarmName"]: alarm["StateValue"] for alarm in describe_alarms(cloudwatch, names)}


def read_running(lambda_client: Any, cloudwatch: Any, outputs: dict[str, Any]) -> Running:
    functions = outputs.get("functions") or {}
    names = sorted(functions)
    with ThreadPoolExecutor(max_workers=PARALLEL_READS) as pool:
        lives = list(pool.map(lambda n: read_live(lambda_client, functions[n]["function_name"]), names))
    return Running(
        dict(zip(names, lives, strict=True)), alarm_states(cloudwatch, list(outputs.get("alarm_names") or []))
    )


def with_running(outputs: dict[str, Any], running: Running) -> dict[str, Any]:
    """The outputs with what runs beside what Terraform recorded: functions[*].live and alarm_states."""
    functions = {
        name: {**fn, "live": running.functions[name].to_json() if running.functions.get(name) else None}
        for name, fn in (outputs.get("functions") or {}).items()
    }
    return {**outputs, "functions": functions, "alarm_states": dict(sorted(running.alarms.items()))}
