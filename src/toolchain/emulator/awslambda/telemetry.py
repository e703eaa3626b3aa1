"""What Lambda writes about each invocation, written where Lambda writes it on the emulator: the
function's log lines into its log group (group and stream made as Lambda makes them), and the
AWS/Lambda metrics (Invocations, Errors, Duration, and Throttles for one that never ran)."""

from __future__ import annotations

import time
from typing import Any

from toolchain.emulator import metering
from toolchain.emulator.awslambda import routing
from toolchain.emulator.persistence.gate import GATE


def _dimension_sets(fn: Any, *, executed: bool) -> list[list[dict[str, str]]]:
    """Where Lambda publishes an invocation's metrics: per function; per alias or version invoked
    (Resource); and, for an alias, per version that ran (ExecutedVersion: what tells a canary from
    the version beside it). Throttles stop at the alias: the limit they hit is the function's."""
    by_function = [{"Name": "FunctionName", "Value": fn.function_name}]
    resource = routing.resource(fn)
    if resource is None:
        return [by_function]
    by_resource = [*by_function, {"Name": "Resource", "Value": resource}]
    sets = [by_function, by_resource]
    if executed and getattr(fn, "invoked_alias", None):
        sets.append([*by_resource, {"Name": "ExecutedVersion", "Value": str(fn.version)}])
    return sets


class MotoLogSink:
    """Writes invocation logs into moto's CloudWatch Logs backend, creating group and stream as Lambda does,
    and the AWS/Lambda metrics Lambda publishes for every invocation (Invocations, Errors, Duration,
    and Throttles for one that never ran)."""

    def metrics(self, fn: Any, duration_ms: float, errored: bool) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        metering.invocation(fn, duration_ms)
        values = (("Invocations", 1, "Count"), ("Errors", 1 if errored else 0, "Count"),
                  ("Duration", duration_ms, "Milliseconds"))  # fmt: skip
        data = [
            {"MetricName": name, "Value": value, "Unit": unit, "Dimensions": dimensions}
            for dimensions in _dimension_sets(fn, executed=True)
            for name, value, unit in values
        ]
        with GATE.passing():
            cloudwatch_backends[fn.account_id][fn.region].put_metric_data("AWS/Lambda", data)

    def throttled(self, fn: Any) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        data = [
            {"MetricName": "Throttles", "Value": 1, "Unit": "Count", "Dimensions": dimensions}
            for dimensions in _dimension_sets(fn, executed=False)
        ]
        with GATE.passing():
            cloudwatch_backends[fn.account_id][fn.region].put_metric_data("AWS/Lambda", data)

    def __init__(self, iam: Any = None) -> None:
        # Lambda's runtime writes the function's logs with its role: without logs:CreateLogStream and
        # logs:PutLogEvents on its group the function runs and its lines are lost (iam/enforcement.py).
        self._iam = iam

    def _may_write(self, fn: Any, group: str, stream: str) -> bool:
        if self._iam is None:
            return True
        target = f"arn:aws:logs:{fn.region}:{fn.account_id}:log-group:{group}:log-stream:{stream}"
        return all(self._iam.allows(fn.role, fn.function_name, action, target)
                   for action in ("logs:CreateLogStream", "logs:PutLogEvents"))  # fmt: skip

    def write(self, fn: Any, stream: str, lines: list[str]) -> None:
        backend = fn.logs_backend
        group = fn.logs_group_name
        if not self._may_write(fn, group, stream):
            return
        now = int(time.time() * 1000)
        with GATE.passing():
            backend.ensure_log_group(group)
            if stream not in backend.groups[group].streams:
                backend.create_log_stream(group, stream)
            backend.put_log_events(group, stream, [{"timestamp": now, "message": line} for line in lines])
