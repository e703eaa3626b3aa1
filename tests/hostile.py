"""Malformed and hostile inputs, per trigger: what a broken producer, a fuzzer or an attacker sends.

Each builder returns `(name, event)` pairs. The names say what is wrong; the counts per handler
are the counts in docs/security.md's table of hostile inputs. Hostile files (images, CSV files,
shop pages) are in hostile_files.py and exported here too.
"""

from __future__ import annotations

import base64
import copy
import json
import time
from typing import Any

from tests.hostile_files import PAGES_WITH_A_PRICE as PAGES_WITH_A_PRICE  # re-exported
from tests.hostile_files import csv_files, image_files, page_cases

Case = tuple[str, Any]

# Shapes no trigger ever sends; every handler gets them whatever its trigger.
SHAPES: list[Case] = [
    ("null event", None),
    ("list event", []),
    ("string event", "Records"),
    ("number event", 1e308),
    ("empty object", {}),
    ("Records is null", {"Records": None}),
    ("Records is a string", {"Records": "[]"}),
    ("Records is empty", {"Records": []}),
    ("Records holds null", {"Records": [None]}),
    ("Records holds an empty object", {"Records": [{}]}),
    ("deeply nested", {"Records": [{"a": [[[[[[[[[[{"b": None}]]]]]]]]]]}]}),
    ("a megabyte of junk", {"Records": [{"junk": "\x00\ufffd" * 500_000}]}),
]

ODD_STRINGS = [
    "",
    " ",
    "\x00",
    "\ud800",  # a lone surrogate: valid in a Python str, not encodable as UTF-8
    "‮gpj.exe",  # right-to-left override
    "../../../etc/passwd",
    "%00%2e%2e%2f",
    "' OR '1'='1",
    "${jndi:ldap://127.0.0.1/a}",
    "<script>alert(1)</script>",
    "A" * 70_000,
]


def _api(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(base)
    event.update(changes)
    return event


def api_cases(
    base: dict[str, Any], method: str, resource: str, path_params: dict[str, str] | None = None
) -> list[Case]:
    """Proxy events for one route: bodies, encodings, sizes, headers, parameters."""
    route = _api(base, httpMethod=method, resource=resource, path=resource, pathParameters=path_params)
    route["headers"] = {"Content-Type": "application/json"}
    json_route = route

    def body(text: str, **extra: Any) -> dict[str, Any]:
        return _api(json_route, body=text, **extra)

    cases: list[Case] = [
        ("invalid JSON", body('{"name": ')),
        ("JSON array", body("[1, 2, 3]")),
        ("JSON string", body('"hello"')),
        ("JSON null", body("null")),
        ("numbers beyond float", body('{"total": 1e999, "quantity": -1e999}')),
        ("NaN literal", body('{"amount": NaN}')),
        ("wrong types everywhere", body(json.dumps({"name": 1, "email": [], "items": "x", "customerId": {}}))),
        ("deep JSON", body("[" * 5000 + "]" * 5000)),
        ("deep JSON objects", body('{"a":' * 3000 + "1" + "}" * 3000)),
        ("JSON 40 levels deep", body('{"name":' + "[" * 40 + '"x"' + "]" * 40 + "}")),
        ("lone surrogate escape", body('{"name": "Ada \\ud800", "email": "a@b.io", "customerId": "\\udfff"}')),
        ("surrogate escape in a key", body('{"\\ud800": 1}')),
        ("oversize body", body(json.dumps({"name": "x" * (70 * 1024)}))),
        (
            "UTF-16 body",
            _api(json_route, body=base64.b64encode('{"name":"a"}'.encode("utf-16")).decode(), isBase64Encoded=True),
        ),
        (
            "latin-1 body",
            _api(json_route, body=base64.b64encode('{"name":"\xe9"}'.encode("latin-1")).decode(), isBase64Encoded=True),
        ),
        ("base64 flag on plain text", _api(json_route, body="{not base64}", isBase64Encoded=True)),
        ("body is a number", _api(json_route, body=12)),
        ("body is an object", _api(json_route, body={"name": "x"})),
        (
            "form body as JSON",
            _api(json_route, body="name=x&email=y", headers={"Content-Type": "application/x-www-form-urlencoded"}),
        ),
        ("XML content type", _api(json_route, body="<a/>", headers={"Content-Type": "application/xml"})),
        ("headers is a list", _api(json_route, headers=["Content-Type: application/json"])),
        (
            "non-ASCII signature, fresh timestamp",
            _api(
                json_route,
                body="{",
                headers={
                    "Content-Type": "application/json",
                    "X-Slack-Signature": "v0=é" * 16,
                    "X-Slack-Request-Timestamp": str(int(time.time())),
                },
            ),
        ),
        (
            "timestamp in Arabic-Indic digits",
            _api(
                json_route,
                body="{",
                headers={
                    "Content-Type": "application/json",
                    "X-Slack-Signature": "v0=00",
                    "X-Slack-Request-Timestamp": "".join(chr(0x0660 + int(d)) for d in str(int(time.time()))),
                },
            ),
        ),
        (
            "header values with surrogates and NULs",
            _api(json_route, body="{", headers={"Content-Type": "application/json\ud800", "Origin": "\x00\udfff"}),
        ),
        ("query is a list", _api(json_route, queryStringParameters=[["limit", "1"]])),
        ("unknown resource", _api(json_route, resource="/admin", path="/admin")),
        ("unknown method", _api(json_route, httpMethod="TRACE")),
        ("no httpMethod", {k: v for k, v in json_route.items() if k != "httpMethod"}),
    ]
    if path_params:
        for text in ODD_STRINGS:
            params = dict.fromkeys(path_params, text)
            cases.append((f"path parameter {text[:12]!r}", _api(json_route, httpMethod="GET", pathParameters=params)))
    for text in ODD_STRINGS[:6]:
        cases.append(
            (
                f"string field {text[:12]!r}",
                body(
                    json.dumps(
                        {"name": text, "email": text, "customerId": text, "items": [{"sku": text, "quantity": text}]}
                    )
                ),
            )
        )
    return cases


def users_list_cases(base: dict[str, Any]) -> list[Case]:
    """`GET /users` with pagination parameters no client of this API ever got from it."""
    route = _api(base, httpMethod="GET", resource="/users", path="/users", pathParameters=None)

    def cursor(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    queries = {
        "cursor nested 5000 deep": {"next": cursor(b"[" * 5000 + b"]" * 5000)},
        "cursor of nested objects": {"next": cursor(b'{"pk":' * 2000 + b'"x"' + b"}" * 2000)},
        "cursor with a lone surrogate": {"next": cursor(b'{"pk": "USER#\\ud800", "entity": "user", "listKey": "x"}')},
        "cursor naming another entity": {"next": cursor(b'{"pk": "EMAIL#a", "entity": "email", "listKey": "x"}')},
        "cursor is not base64": {"next": "%%%"},
        "limit in Arabic-Indic digits": {"limit": "\u0663"},
        "limit zero": {"limit": "0"},
    }
    return [(name, _api(route, queryStringParameters=query)) for name, query in queries.items()]


def authorizer_cases(method_arn: str) -> list[Case]:
    token = {"type": "TOKEN", "methodArn": method_arn}
    cases: list[Case] = [
        ("no token", dict(token)),
        ("token is a number", {**token, "authorizationToken": 42}),
        ("token is an object", {**token, "authorizationToken": {"alg": "none"}}),
        ("Bearer and nothing", {**token, "authorizationToken": "Bearer "}),
        ("three empty segments", {**token, "authorizationToken": "Bearer .."}),
        ("garbage segments", {**token, "authorizationToken": "Bearer a.b.c"}),
        ("huge token", {**token, "authorizationToken": "Bearer " + "A" * 100_000}),
        (
            "header JSON is an array",
            {**token, "authorizationToken": "Bearer " + _b64(b"[]") + "." + _b64(b"{}") + ".x"},
        ),
        (
            "alg none",
            {**token, "authorizationToken": "Bearer " + _b64(b'{"alg":"none"}') + "." + _b64(b'{"sub":"a"}') + "."},
        ),
        ("padded segments", {**token, "authorizationToken": "Bearer " + _b64(b'{"alg":"HS256"}') + "==.e30=.AA=="}),
        (
            "standard base64 alphabet",
            {**token, "authorizationToken": "Bearer " + _b64(b'{"alg":"HS256"}') + ".e3+/.A/+A"},
        ),
        (
            "header nested 3000 deep",
            {**token, "authorizationToken": "Bearer " + _b64(b"[" * 3000 + b"]" * 3000) + ".e30.AA"},
        ),
        ("REQUEST type", {**token, "type": "REQUEST"}),
        ("methodArn garbage", {**token, "methodArn": "arn:aws:nope", "authorizationToken": "Bearer x"}),
        ("methodArn is a list", {**token, "methodArn": [method_arn], "authorizationToken": "Bearer x"}),
    ]
    return cases + [(f"token {text[:12]!r}", {**token, "authorizationToken": text}) for text in ODD_STRINGS]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def s3_record(bucket: str, key: str, size: Any = 10) -> dict[str, Any]:
    return {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "awsRegion": "us-east-1",
            "s3": {"bucket": {"name": bucket}, "object": {"key": key, "size": size}}}  # fmt: skip


def s3_event_cases(bucket: str, prefix: str) -> list[Case]:
    """Events whose records are wrong; the files they point at are in `s3_file_cases`."""
    good = s3_record(bucket, prefix + "x")
    return [
        ("eventSource is SQS", {"Records": [{**good, "eventSource": "aws:sqs"}]}),
        ("no s3 key", {"Records": [{"eventSource": "aws:s3"}]}),
        ("bucket is a number", {"Records": [s3_record(1, prefix + "x")]}),  # type: ignore[arg-type]
        ("key is null", {"Records": [s3_record(bucket, None)]}),  # type: ignore[arg-type]
        ("key is badly URL-encoded", {"Records": [s3_record(bucket, prefix + "%E0%A4%A")]}),
        ("key decodes to invalid UTF-8", {"Records": [s3_record(bucket, prefix + "%FF%FE")]}),
        ("size is negative", {"Records": [s3_record(bucket, prefix + "x", -1)]}),
        ("size is a string", {"Records": [s3_record(bucket, prefix + "x", "10")]}),
        ("object does not exist", {"Records": [s3_record(bucket, prefix + "missing.jpg")]}),
        ("bucket does not exist", {"Records": [s3_record("no-such-bucket", prefix + "x.jpg")]}),
        ("key outside the prefix", {"Records": [s3_record(bucket, "elsewhere/x.jpg")]}),
        ("key escapes the prefix", {"Records": [s3_record(bucket, prefix + "..%2F..%2Fetc%2Fpasswd")]}),
    ]


def kinesis_cases() -> list[Case]:
    def record(data: Any, n: int = 0) -> dict[str, Any]:
        return {"eventSource": "aws:kinesis", "eventID": f"shardId-0:{n}",
                "kinesis": {"sequenceNumber": str(n), "partitionKey": "p", "data": data}}  # fmt: skip

    def payload(value: Any) -> str:
        raw = value if isinstance(value, bytes) else json.dumps(value).encode()
        return base64.b64encode(raw).decode()

    order = {"orderId": "o-1", "customerId": "c-1", "amount": "10", "currency": "USD"}
    return [
        ("data is not base64", {"Records": [record("%%%not base64")]}),
        ("data is null", {"Records": [record(None)]}),
        ("base64 of non-JSON", {"Records": [record(payload(b"\xff\xfe binary"))]}),
        ("JSON array", {"Records": [record(payload([order]))]}),
        ("amount NaN", {"Records": [record(payload({**order, "amount": "NaN"}))]}),
        ("amount Infinity", {"Records": [record(payload({**order, "amount": "Infinity"}))]}),
        ("amount 1e999", {"Records": [record(payload({**order, "amount": 1e308 * 10}))]}),
        ("amount negative", {"Records": [record(payload({**order, "amount": "-5"}))]}),
        ("amount is a list", {"Records": [record(payload({**order, "amount": [1]}))]}),
        ("orderId injection", {"Records": [record(payload({**order, "orderId": 'o-1"; DROP'}))]}),
        ("orderId 10 KB", {"Records": [record(payload({**order, "orderId": "o" * 10_000}))]}),
        ("currency odd", {"Records": [record(payload({**order, "currency": "€€€"}))]}),
        ("a 2 MB record", {"Records": [record(payload({**order, "pad": "x" * 2_000_000}))]}),
        ("nested 5000 deep", {"Records": [record(payload(b"[" * 5000 + b"]" * 5000))]}),
        ("objects nested 2000 deep", {"Records": [record(payload(b'{"a":' * 2000 + b"1" + b"}" * 2000))]}),
        ("lone surrogate escape", {"Records": [record(payload(b'{"orderId": "\\ud800", "amount": "1"}'))]}),
        ("eventSource is S3", {"Records": [{**record(payload(order)), "eventSource": "aws:s3"}]}),
        ("no kinesis key", {"Records": [{"eventSource": "aws:kinesis"}]}),
    ]


def sqs_cases(queue_arn: str) -> list[Case]:
    def record(body: Any, **extra: Any) -> dict[str, Any]:
        base = {"messageId": "m-1", "receiptHandle": "not-a-real-handle", "body": body, "attributes":
                {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn, "awsRegion": "us-east-1"}  # fmt: skip
        return {**base, **extra}

    job = {"jobId": "j-1", "customerId": "c-1", "items": [{"sku": "k", "quantity": 1, "unitPrice": "1"}]}
    cases: list[Case] = [
        ("body is not JSON", {"Records": [record("{not json")]}),
        ("body is a JSON array", {"Records": [record("[]")]}),
        ("body is null", {"Records": [record(None)]}),
        ("no jobId", {"Records": [record(json.dumps({**job, "jobId": None}))]}),
        ("jobId injection", {"Records": [record(json.dumps({**job, "jobId": "../../x"}))]}),
        ("jobId 10 KB", {"Records": [record(json.dumps({**job, "jobId": "j" * 10_000}))]}),
        ("items empty", {"Records": [record(json.dumps({**job, "items": []}))]}),
        ("customerId is a number", {"Records": [record(json.dumps({**job, "customerId": 7}))]}),
        (
            "no eventSourceARN",
            {"Records": [{k: v for k, v in record(json.dumps(job)).items() if k != "eventSourceARN"}]},
        ),
        ("eventSourceARN garbage", {"Records": [record(json.dumps(job), eventSourceARN="arn:nope")]}),
        ("receive count not a number", {"Records": [record("{", attributes={"ApproximateReceiveCount": "many"})]}),
        ("attributes is a list", {"Records": [record("{", attributes=[])]}),
        ("no messageId", {"Records": [{k: v for k, v in record(json.dumps(job)).items() if k != "messageId"}]}),
        ("eventSource is SNS", {"Records": [record(json.dumps(job), eventSource="aws:sns")]}),
        ("body nested 5000 deep", {"Records": [record("[" * 5000 + "]" * 5000)]}),
        (
            "body with a lone surrogate",
            {"Records": [record('{"jobId": "j-1", "customerId": "\\ud800", "items": [1]}')]},
        ),
        (
            "a queue that does not exist",
            {"Records": [record(json.dumps(job), eventSourceARN=queue_arn.rsplit(":", 1)[0] + ":no-such-queue")]},
        ),
    ]
    return cases


def sns_cases() -> list[Case]:
    def record(sns: Any) -> dict[str, Any]:
        return {"EventSource": "aws:sns", "Sns": sns}

    return [
        ("Sns is null", {"Records": [record(None)]}),
        ("Message is a number", {"Records": [record({"Message": 5})]}),
        ("Message is not JSON", {"Records": [record({"Message": "plain text \x00"})]}),
        ("Message is a JSON list", {"Records": [record({"Message": "[1,2]"})]}),
        ("attributes is a list", {"Records": [record({"Message": "{}", "MessageAttributes": []})]}),
        (
            "attribute values odd",
            {"Records": [record({"Message": "{}", "MessageAttributes": {"a": 1, "b": {"Value": None}}})]},
        ),
        ("EventSource is SQS", {"Records": [{"EventSource": "aws:sqs", "Sns": {"Message": "{}"}}]}),
        ("a 1 MB message", {"Records": [record({"Message": json.dumps({"order_id": "x" * 1_000_000})})]}),
        ("message nested 5000 deep", {"Records": [record({"Message": "[" * 5000 + "]" * 5000})]}),
        ("message with a lone surrogate", {"Records": [record({"Message": '{"customer_id": "\\ud800"}'})]}),
    ]


def workflow_cases() -> list[Case]:
    order = {
        "orderId": "o-1",
        "customerId": "c-1",
        "total": "2",
        "items": [{"sku": "k", "quantity": 1, "unitPrice": "2"}],
    }
    cases: list[Case] = [
        ("no order", {"correlation_id": "c"}),
        ("order is a list", {"order": [order]}),
        ("orderId is a number", {"order": {**order, "orderId": 1}}),
        ("items not a list", {"order": {**order, "items": "k"}}),
        ("items empty", {"order": {**order, "items": []}}),
        ("quantity is text", {"order": {**order, "items": [{"sku": "k", "quantity": "two", "unitPrice": "2"}]}}),
        ("price NaN", {"order": {**order, "items": [{"sku": "k", "quantity": 1, "unitPrice": "NaN"}]}}),
        ("total mismatched", {"order": {**order, "total": "1000000"}}),
        ("total Infinity", {"order": {**order, "total": "Infinity"}}),
        (
            "quantity 1e400",
            {"order": {**order, "items": [{"sku": "k", "quantity": "1" + "0" * 400, "unitPrice": "2"}]}},
        ),
        ("item is null", {"order": {**order, "items": [None]}}),
    ]
    return cases


# Odd but honest pages: a price is there to be read.
def _has_order_id(event: Any) -> bool:
    order = event.get("order") if isinstance(event, dict) else None
    return isinstance(order, dict) and isinstance(order.get("orderId"), str)


def without_order(cases: list[Case]) -> list[Case]:
    """The hostile input of steps that run after validation: anything without an order to act on."""
    return [case for case in cases if not _has_order_id(case[1])]


def sizes(proxy: dict[str, Any]) -> dict[str, int]:
    """Inputs tried per handler, the trigger-agnostic shapes included (docs/security.md's table)."""
    shapes = len(SHAPES)
    return {
        "users": shapes
        + len(api_cases(proxy, "POST", "/users"))
        + len(api_cases(proxy, "PATCH", "/users/{userId}", {"userId": "u"}))
        + len(users_list_cases(proxy)),
        "checkout": shapes + len(api_cases(proxy, "POST", "/orders")),
        "slack": shapes + len(api_cases(proxy, "POST", "/slack/commands")),
        "authorizer": shapes + len(authorizer_cases("arn")),
        "thumbnails": shapes + len(s3_event_cases("b", "p/")) + len(image_files()),
        "etl": shapes + len(s3_event_cases("b", "p/")) + len(csv_files()),
        "orders": shapes + len(kinesis_cases()),
        "worker": shapes + len(sqs_cases("arn")),
        "notifications": shapes + len(sns_cases()),
        "workflow-validate": shapes + len(workflow_cases()),
        "workflow-process": shapes + len(without_order(workflow_cases())),
        "workflow-notify": shapes + len(without_order(workflow_cases())),
        "workflow-failed": len(without_order(SHAPES + workflow_cases())),
        "scraper pages": len(page_cases()),
    }
