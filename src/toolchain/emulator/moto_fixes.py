"""Corrections to moto where it answers differently from AWS in ways the platform runs into.

Each is small, applied only inside the emulator process, and covered by a test that fails if the
moto pinned in requirements/dev.txt changes the behaviour underneath it.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    _applied = True
    _conditions_that_do_not_hold_do_not_apply()
    _event_invoke_config_put_replaces()
    _redrive_policy_is_compact_json()
    _mismatched_types_do_not_compare()
    _function_copies_are_shallow()
    _dynamodb_requests_are_atomic()
    _metric_statistics_match_dimensions_exactly()


# The emulator speaks plain HTTP on localhost but stands in for AWS's TLS endpoints.
REQUEST_CONTEXT = {"aws:securetransport": "true"}


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _conditions_that_do_not_hold_do_not_apply() -> None:
    """Evaluate `Bool` conditions, and let a statement whose condition does not hold not apply.

    moto skips operators it does not implement (treating them as holding) and answers DENIED when
    a condition fails, where AWS ignores the statement. Together, any bucket policy with the usual
    "deny unless TLS" statement denied every request.
    """
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    original_permitted = IAMPolicyStatement.is_action_permitted
    original_conditions = IAMPolicyStatement._check_conditions

    def check_conditions(self: Any, incoming: dict[str, str] | None) -> bool:
        known = {**REQUEST_CONTEXT, **{k.lower(): v for k, v in (incoming or {}).items()}}
        for operator, entries in (self._statement.get("Condition") or {}).items():
            if operator not in ("Bool", "BoolIfExists"):
                continue
            for key, expected in entries.items():
                actual = known.get(key.lower())
                if actual is not None and actual.lower() not in [e.lower() for e in _as_list(expected)]:
                    return False
        return original_conditions(self, incoming)

    def is_action_permitted(
        self: Any,
        action: str,
        resource: str = "*",
        principal: str | None = None,
        incoming_condition_values: dict[str, str] | None = None,
    ) -> Any:
        result = original_permitted(self, action, resource, principal, incoming_condition_values)
        if (
            result == PermissionResult.DENIED
            and self._statement.get("Condition")
            and not self._check_conditions(incoming_condition_values)
        ):
            return PermissionResult.NEUTRAL
        return result

    IAMPolicyStatement._check_conditions = check_conditions
    IAMPolicyStatement.is_action_permitted = is_action_permitted


def _event_invoke_config_put_replaces() -> None:
    """PutFunctionEventInvokeConfig replaces a function's config (AWS); moto appends and keeps the first."""
    from moto.awslambda.models import LambdaBackend

    original = LambdaBackend.put_function_event_invoke_config

    def put_function_event_invoke_config(self: Any, function_name: str, config: dict[str, Any]) -> dict[str, Any]:
        self.get_function(function_name).event_invoke_config = []
        return original(self, function_name, config)

    LambdaBackend.put_function_event_invoke_config = put_function_event_invoke_config


def _redrive_policy_is_compact_json() -> None:
    """SQS returns RedrivePolicy as compact JSON (AWS); moto adds spaces, which aws 3.39 reports as a
    change on every plan."""
    import json

    from moto.sqs.models import Queue

    original = Queue.attributes

    def attributes(self: Any) -> dict[str, Any]:
        result = original.fget(self)
        if self.redrive_policy:
            result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
        return result

    Queue.attributes = property(attributes)


def _mismatched_types_do_not_compare() -> None:
    """`<`, `<=`, `>`, `>=` between a number and a string (or a list) are false in DynamoDB; moto
    compares the Python values and raises TypeError, failing the whole Scan or Query. One item
    with a malformed attribute would stop the session sweep."""
    from moto.dynamodb import comparisons

    def tolerant(original: Any) -> Any:
        def expr(self: Any, item: Any) -> bool:
            try:
                return original(self, item)
            except TypeError:
                return False

        return expr

    for name in ("OpLessThan", "OpLessThanOrEqual", "OpGreaterThan", "OpGreaterThanOrEqual"):
        op = getattr(comparisons, name)
        op.expr = tolerant(op.expr)


def _function_copies_are_shallow() -> None:
    """moto deep-copies a function to answer CreateFunction (with Publish) and ListFunctions, only to
    set one attribute on the copy. Under Terraform's parallel creates the deep copy walks state
    another request is changing ("dictionary changed size during iteration"): a 500, which the
    provider retries into "Function already exist" (409) and a failed apply. A shallow copy is all
    those answers need."""
    from moto.awslambda.models import LambdaFunction

    LambdaFunction.__deepcopy__ = lambda self, memo: copy.copy(self)  # type: ignore[attr-defined]


def _dynamodb_requests_are_atomic() -> None:
    """A DynamoDB write is atomic to readers (AWS). moto builds an UpdateItem in place: it stores a
    key-only item, then applies each action, and serialises a Scan after letting go of the items. A
    Scan served beside an UpdateItem could return the key alone (seen as a fulfilment without its
    `processed` count in a CI run). One lock per process makes each request a unit.

    moto hands a table's stream records to its Lambda inside the write; a handler reading the table
    back would then wait on the lock forever. Those deliveries are held until the lock is let go,
    and still made before the write answers, as moto makes them. (The emulator's server goes further
    and queues them for its stream poller instead: dynamo_streams.py.)"""
    from moto.awslambda.models import LambdaBackend
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.Lock()
    held = threading.local()
    call_action = DynamoHandler.call_action
    send_dynamodb_items = LambdaBackend.send_dynamodb_items

    def send_after_the_request(self: Any, function_arn: str, items: list[Any], source: str) -> Any:
        pending = getattr(held, "deliveries", None)
        if pending is None:
            return send_dynamodb_items(self, function_arn, items, source)
        pending.append((self, function_arn, list(items), source))
        return "held"  # truthy: moto clears the records it handed over, as after a delivery

    def one_request_at_a_time(self: Any) -> Any:
        if getattr(held, "deliveries", None) is not None:  # a request made from inside one (in-process moto)
            return call_action(self)
        held.deliveries = []
        try:
            with lock:
                response = call_action(self)
        finally:
            deliveries, held.deliveries = held.deliveries, None
        for delivery in deliveries:
            send_dynamodb_items(*delivery)
        return response

    DynamoHandler.call_action = one_request_at_a_time
    LambdaBackend.send_dynamodb_items = send_after_the_request


def _metric_statistics_match_dimensions_exactly() -> None:
    """GetMetricStatistics answers the datapoints published with exactly the dimensions asked, as
    CloudWatch does; moto added every datapoint whose dimensions include them, so a function's
    Invocations also counted those Lambda publishes per alias and per version that ran."""
    from moto.cloudwatch.models import CloudWatchBackend, MetricDatumBase

    exact = threading.local()
    statistics, matches = CloudWatchBackend.get_metric_statistics, MetricDatumBase.filter

    def get_metric_statistics(self: Any, *args: Any, **kwargs: Any) -> Any:
        exact.on = True
        try:
            return statistics(self, *args, **kwargs)
        finally:
            exact.on = False

    def filter_exactly(self: Any, namespace: Any, name: Any, dimensions: Any, *args: Any, **kwargs: Any) -> bool:
        if getattr(exact, "on", False):
            asked = {(d["Name"], d.get("Value")) for d in dimensions or []}
            return {(d.name, d.value) for d in self.dimensions} == asked
        return matches(self, namespace, name, dimensions, *args, **kwargs)

    CloudWatchBackend.get_metric_statistics = get_metric_statistics
    MetricDatumBase.filter = filter_exactly
