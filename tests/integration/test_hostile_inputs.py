"""Every handler against its corpus of hostile events (tests/hostile.py), plus hypothesis fuzzing.

The outcome must always be one of: a 4xx response, a Deny policy, or a named rejection (a
`PlatformError` raised, or a WARNING/ERROR log line) and never an unhandled exception. Whatever
was refused leaves every table, bucket, queue and workflow exactly as it was.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdas.common.exceptions import PlatformError
from lambdas.services.authorizer import handler as authorizer
from lambdas.services.checkout import handler as checkout
from lambdas.services.etl import handler as etl
from lambdas.services.notifications import handler as notifications
from lambdas.services.order_stream import handler as orders
from lambdas.services.scraper import handler as scraper
from lambdas.services.sessions import handler as sessions
from lambdas.services.slack import handler as slack
from lambdas.services.thumbnails import handler as thumbnails
from lambdas.services.users import handler as users
from lambdas.services.worker import handler as worker
from lambdas.services.workflow import handler as steps
from tests import hostile
from tests.conftest import EVENTS
from tests.httpserver import serve

from .conftest import FakeLambdaContext
from .world import World, client

METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/local/GET/users/42"
PROXY = json.loads((EVENTS / "apigateway-rest-proxy.json").read_text())
# Writes a refusal is allowed to make: the ETL's report of why it refused a file.
ALLOWED_WRITES = {"bucket data": lambda key: key.startswith("reports/")}


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    changed = []
    for place in sorted(set(before) | set(after)):
        old, new = before.get(place), after.get(place)
        if place in ALLOWED_WRITES and old is not None and new is not None:
            allowed = ALLOWED_WRITES[place]
            old = [o for o in old if not allowed(o[0])]
            new = [o for o in new if not allowed(o[0])]
        if old != new:
            changed.append(place)
    return changed


Verdict = Callable[[Any], bool]


def is_4xx(result: Any) -> bool:
    return (
        isinstance(result, dict) and 400 <= result.get("statusCode", 0) < 500 and "error" in json.loads(result["body"])
    )


def is_deny(result: Any) -> bool:
    return result["policyDocument"]["Statement"][0]["Effect"] == "Deny"


def attempt(world: World, handler: Callable[..., Any], event: Any, caplog: pytest.LogCaptureFixture,
            accept: Verdict | None, before: dict[str, Any]) -> tuple[str | None, dict[str, Any] | None]:  # fmt: skip
    """None if the outcome is acceptable, else what went wrong; and the world after it, if read."""
    caplog.clear()
    try:
        result = handler(copy.deepcopy(event), FakeLambdaContext())
    except PlatformError as exc:
        outcome = None if accept is None else f"raised {type(exc).__name__} instead of answering"
    except Exception as exc:  # the finding this test exists for
        return f"unhandled {type(exc).__name__}: {str(exc)[:200]}", None
    else:
        if accept is not None:
            outcome = None if accept(result) else f"answered {str(result)[:200]}"
        else:
            warned = [r for r in caplog.records if r.levelno >= logging.WARNING]
            outcome = None if warned else f"returned {str(result)[:120]} without logging a rejection"
    after = world.snapshot()
    changed = _changes(before, after)
    return outcome or (f"wrote to {', '.join(changed)}" if changed else None), after


def check_corpus(world: World, handler: Callable[..., Any], cases: list[hostile.Case],
                 caplog: pytest.LogCaptureFixture, accept: Verdict | None = None) -> None:  # fmt: skip
    problems = {}
    after: dict[str, Any] | None = None
    for name, event in cases:
        # one event's after is the next one's before: nothing runs between them (a snapshot reads
        # every table, bucket and queue, and was nine tenths of this test's time)
        problem, after = attempt(world, handler, event, caplog, accept, after or world.snapshot())
        if problem:
            problems[name] = problem
    assert not problems, json.dumps(problems, indent=1)


def _put(bucket: str, key: str, body: bytes) -> None:
    client("s3").put_object(Bucket=bucket, Key=key, Body=body)


def file_events(bucket: str, prefix: str, files: list[tuple[str, bytes]]) -> list[hostile.Case]:
    cases = []
    for n, (name, body) in enumerate(files):
        key = f"{prefix}hostile-{n}.bin"
        _put(bucket, key, body)
        cases.append((f"file: {name}", {"Records": [hostile.s3_record(bucket, key, len(body))]}))
    return cases


class Subject(NamedTuple):
    handler: Callable[..., Any]
    corpus: Callable[[World], list[hostile.Case]]  # the trigger's own hostile events
    accept: Verdict | None = None  # how a refusal shows when it is an answer (4xx, Deny), not a logged rejection


SUBJECTS: dict[str, Subject] = {
    "users": Subject(users.lambda_handler, lambda w: hostile.api_cases(PROXY, "POST", "/users") + hostile.api_cases(
        PROXY, "PATCH", "/users/{userId}", {"userId": "u"}) + hostile.users_list_cases(PROXY), is_4xx),
    "checkout": Subject(checkout.lambda_handler, lambda w: hostile.api_cases(PROXY, "POST", "/orders"), is_4xx),
    "slack": Subject(slack.lambda_handler, lambda w: hostile.api_cases(PROXY, "POST", "/slack/commands"), is_4xx),
    "authorizer": Subject(authorizer.lambda_handler, lambda w: hostile.authorizer_cases(METHOD_ARN), is_deny),
    "thumbnails": Subject(thumbnails.lambda_handler, lambda w: hostile.s3_event_cases("media", "uploads/") + file_events(
        "media", "uploads/", hostile.image_files())),
    "etl": Subject(etl.lambda_handler, lambda w: hostile.s3_event_cases("data", "incoming/") + file_events(
        "data", "incoming/", hostile.csv_files())),
    "orders": Subject(orders.lambda_handler, lambda w: hostile.kinesis_cases()),
    "worker": Subject(worker.lambda_handler, lambda w: hostile.sqs_cases(w.work_queue_arn)),
    "notifications": Subject(notifications.lambda_handler, lambda w: hostile.sns_cases()),
    "workflow-validate": Subject(steps.validate, lambda w: hostile.workflow_cases()),
    # process and notify run only after validate: their hostile input is one without an order.
    "workflow-process": Subject(steps.process, lambda w: hostile.without_order(hostile.workflow_cases())),
    "workflow-notify": Subject(steps.notify_customer, lambda w: hostile.without_order(hostile.workflow_cases())),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SUBJECTS))
def test_every_hostile_event_is_refused_cleanly(world: World, caplog: pytest.LogCaptureFixture, name: str) -> None:
    subject = SUBJECTS[name]
    # Trigger-agnostic shapes first, then the trigger's own hostile events.
    check_corpus(world, subject.handler, hostile.SHAPES + subject.corpus(world), caplog, subject.accept)


def test_a_half_valid_update_changes_nothing(world: World, caplog: pytest.LogCaptureFixture) -> None:
    create = copy.deepcopy(PROXY)
    create.update(httpMethod="POST", resource="/users", path="/users", pathParameters=None,
                  headers={"Content-Type": "application/json"}, body=json.dumps({"name": "Ada", "email": "a@b.io"}))  # fmt: skip
    user_id = json.loads(users.lambda_handler(create, FakeLambdaContext())["body"])["userId"]
    patch = _api_event("PATCH", "/users/{userId}", {"userId": user_id})
    bodies = [{"name": "Grace", "email": "not an email"}, {"name": "Grace", "email": None}, {"name": "x" * 10_000},
              {"name": "Grace", "role": "admin"}, {"name": "Grace", "email": "a@b.io" + "\x00"}]  # fmt: skip
    cases = [(f"PATCH {json.dumps(b)[:40]}", {**patch, "body": json.dumps(b)}) for b in bodies]

    check_corpus(world, users.lambda_handler, cases, caplog, is_4xx)


def _api_event(method: str, resource: str, path_params: dict[str, str]) -> dict[str, Any]:
    event = copy.deepcopy(PROXY)
    event.update(httpMethod=method, resource=resource, path=resource, pathParameters=path_params,
                 headers={"Content-Type": "application/json"})  # fmt: skip
    return event


def test_the_failure_recorder_takes_anything_and_records_only_real_orders(world: World, caplog) -> None:
    check_corpus(world, steps.record_failure, hostile.without_order(hostile.SHAPES + hostile.workflow_cases()), caplog)


def test_scheduled_handlers_ignore_what_their_event_says(world: World, caplog) -> None:
    # Scheduled work reads nothing from its event: any event starts the same bounded run.
    for event in [None, [], {"detail-type": "rm -rf"}, {"detail-type": "\x00" * 100}]:
        caplog.clear()
        assert sessions.lambda_handler(copy.deepcopy(event), FakeLambdaContext())["complete"] is True


def test_the_sweep_deletes_only_sessions_that_are_expired_numbers(world: World) -> None:
    now, ddb = int(time.time()), client("dynamodb")
    items = {"live": {"N": str(now + 3600)}, "expired": {"N": str(now - 10)}, "epoch-minus-one": {"N": "-1"},
             "text-expiry": {"S": "0"}, "list-expiry": {"L": [{"N": "0"}]}, "no-expiry": None,
             "far-future": {"N": "9" * 38}}  # fmt: skip
    for session_id, expiry in items.items():
        ddb.put_item(
            TableName="sessions", Item={"sessionId": {"S": session_id}, **({"expiresAt": expiry} if expiry else {})}
        )

    report = sessions.lambda_handler({}, FakeLambdaContext())

    left = {i["sessionId"]["S"] for i in ddb.scan(TableName="sessions")["Items"]}
    assert left == {"live", "text-expiry", "list-expiry", "no-expiry", "far-future"}
    assert (report["deleted"], report["complete"]) == (2, True)


def test_hostile_shop_pages_fail_their_product_only(world: World, caplog, monkeypatch) -> None:
    base = serve.base  # type: ignore[attr-defined]
    products = [{"id": f"p{n}", "url": f"{base}{path}"} for n, path in enumerate(hostile.page_cases())]
    products += [{"id": "p-ok", "url": f"{base}/ok"}]
    client("ssm").put_parameter(Name="/products", Value=json.dumps(products), Type="String", Overwrite=True)

    summary = scraper.lambda_handler({}, FakeLambdaContext())

    readable = {f"p{n}" for n, path in enumerate(hostile.page_cases()) if path in hostile.PAGES_WITH_A_PRICE}
    assert (summary["checked"], summary["failed"]) == (len(readable) + 1, len(products) - len(readable) - 1), summary
    prices = client("dynamodb").scan(TableName="prices")["Items"]
    assert {p["productId"]["S"] for p in prices} == readable | {"p-ok"}
    failed = [r for r in caplog.records if r.levelno >= logging.WARNING and r.getMessage() == "product failed"]
    assert len(failed) == summary["failed"]


# -- property-based: whatever the shape, parsing ends in an answer or a named rejection ---------------
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
PROXY_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "httpMethod": st.sampled_from(["GET", "POST", "PATCH", "DELETE", "OPTIONS"]) | JSON,
        "resource": st.sampled_from(["/users", "/users/{userId}", "/orders", "/slack/commands"]) | JSON,
        "body": st.text(max_size=200) | JSON,
        "isBase64Encoded": st.booleans() | JSON,
        "headers": st.dictionaries(st.sampled_from(["Content-Type", "content-type", "X-Slack-Signature"]),
                                   st.text(max_size=40)) | JSON,
        "pathParameters": st.dictionaries(st.just("userId"), st.text(max_size=40)) | JSON,
        "queryStringParameters": st.dictionaries(st.sampled_from(["limit", "next"]), st.text(max_size=40)) | JSON,
        "requestContext": JSON,
    },
)  # fmt: skip
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("handler", [users.lambda_handler, checkout.lambda_handler, slack.lambda_handler])
def test_fuzzed_proxy_events_always_get_an_answer(world: World, handler: Callable[..., Any]) -> None:
    @FUZZ
    @given(event=PROXY_FIELDS)
    def run(event: dict[str, Any]) -> None:
        result = handler(event, FakeLambdaContext())
        assert 200 <= result["statusCode"] < 500, result
        assert result["statusCode"] < 300 or "error" in json.loads(result["body"])

    run()


@FUZZ
@given(token=st.text(max_size=300) | JSON, method_arn=st.just(METHOD_ARN) | JSON, kind=st.just("TOKEN") | JSON)
def test_fuzzed_authorizer_events_are_denied(world: World, token: Any, method_arn: Any, kind: Any) -> None:
    result = authorizer.lambda_handler({"type": kind, "methodArn": method_arn, "authorizationToken": token},
                                       FakeLambdaContext())  # fmt: skip
    assert is_deny(result)


RECORDS = st.fixed_dictionaries({"Records": st.lists(JSON | st.fixed_dictionaries(
    {}, optional={"eventSource": st.sampled_from(["aws:s3", "aws:kinesis", "aws:sqs"]) | JSON, "s3": JSON,
                  "kinesis": JSON, "body": st.text(max_size=50) | JSON, "Sns": JSON, "EventSource": JSON}), max_size=3)})  # fmt: skip


@pytest.mark.parametrize(
    "handler", [thumbnails.lambda_handler, etl.lambda_handler, orders.lambda_handler, worker.lambda_handler,
                notifications.lambda_handler, steps.validate],
)  # fmt: skip
def test_fuzzed_records_end_in_a_result_or_a_named_rejection(world: World, handler: Callable[..., Any]) -> None:
    @FUZZ
    @given(event=RECORDS | JSON)
    def run(event: Any) -> None:
        with contextlib.suppress(PlatformError):
            handler(event, FakeLambdaContext())

    run()
