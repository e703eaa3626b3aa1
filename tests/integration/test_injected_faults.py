"""Injected faults: what retries, what is reported, and proof that nothing is lost or applied twice.

Each test injects one fault into AWS (tests/integration/faults.py) or into an HTTP server, lets the
handler and its trigger's retry run as deployed, and then counts the effects: every record is
there exactly once.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import io
import json
import time
from collections import Counter
from typing import Any

import pytest
from PIL import Image

from lambdas.common.exceptions import DependencyError
from lambdas.services.etl import handler as etl
from lambdas.services.order_stream import handler as orders
from lambdas.services.scraper import handler as scraper
from lambdas.services.slack import handler as slack
from lambdas.services.slack.signature import sign
from lambdas.services.thumbnails import handler as thumbnails
from lambdas.services.users import handler as users
from lambdas.services.worker import handler as worker
from tests import hostile
from tests.conftest import EVENTS
from tests.httpserver import serve

from .conftest import FakeLambdaContext, logged
from .faults import WorkerCrashed, injected
from .world import SLACK_SECRET, World, client

pytestmark = pytest.mark.usefixtures("world")
ROWS = 120  # several BatchWriteItem calls of 25


def sales_csv(rows: int = ROWS) -> bytes:
    lines = ["id,date,amount,region,product"] + [
        f"s-{n},2026-11-{1 + n % 28:02d},{n}.50,eu,Item {n}" for n in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def upload(bucket: str, key: str, body: bytes) -> dict[str, Any]:
    client("s3").put_object(Bucket=bucket, Key=key, Body=body)
    return {"Records": [hostile.s3_record(bucket, key, len(body))]}


def deliver(handler: Any, event: dict[str, Any], attempts: int = 3) -> tuple[Any, int]:
    """Lambda's retry of a failed asynchronous or stream invocation: the same event again."""
    for attempt in range(1, attempts + 1):
        try:
            return handler(copy.deepcopy(event), FakeLambdaContext()), attempt
        except DependencyError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def sales() -> Counter[str]:
    items = [i for page in client("dynamodb").get_paginator("scan").paginate(TableName="sales") for i in page["Items"]]
    return Counter(i["id"]["S"] for i in items)


def assert_each_once(counts: Counter[str], expected: set[str]) -> None:
    lost, duplicated = expected - set(counts), {k for k, n in counts.items() if n > 1}
    assert (lost, duplicated, set(counts) - expected) == (set(), set(), set())


# -- DynamoDB ------------------------------------------------------------------------------------------
def test_etl_rides_out_throttling_and_unprocessed_items(monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    monkeypatch.setattr("lambdas.common.dynamo.MAX_DELAY_SECONDS", 0)  # the backoff's length is not under test
    event = upload("data", "incoming/throttled.csv", sales_csv())
    with injected() as faults:
        faults.error("dynamodb", "BatchWriteItem", "ProvisionedThroughputExceededException", times=3, status=400)
        faults.unprocessed_half(times=4)

        result, attempts = deliver(etl.lambda_handler, event)

    assert attempts == 1 and result["files"][0]["status"] == "complete"
    assert sum(faults.fired.values()) == 7
    assert_each_once(sales(), {f"s-{n}" for n in range(ROWS)})


def test_etl_throttled_past_its_retries_fails_loudly_then_loads_on_redelivery(monkeypatch, caplog) -> None:
    monkeypatch.setattr("lambdas.common.dynamo.MAX_DELAY_SECONDS", 0)
    event = upload("data", "incoming/persistent.csv", sales_csv())
    with injected() as faults:
        faults.error("dynamodb", "BatchWriteItem", "ThrottlingException", times=1000, status=400)
        with pytest.raises(DependencyError):
            etl.lambda_handler(copy.deepcopy(event), FakeLambdaContext())
    report = json.loads(client("s3").get_object(Bucket="data", Key="reports/persistent.csv.report.json")["Body"].read())
    assert report["status"] == "failed" and "unprocessed" in report["error"]

    result, _ = deliver(etl.lambda_handler, event)  # Lambda's retry, the throttling over

    assert result["files"][0]["status"] == "complete"
    assert_each_once(sales(), {f"s-{n}" for n in range(ROWS)})


def call_users(method: str, resource: str, body: Any = None) -> dict[str, Any]:
    event = json.loads((EVENTS / "apigateway-rest-proxy.json").read_text())
    event.update(httpMethod=method, resource=resource, path=resource, pathParameters=None,
                 body=None if body is None else json.dumps(body))  # fmt: skip
    event["headers"] = {"Content-Type": "application/json"}
    return users.lambda_handler(event, FakeLambdaContext())


THROTTLED_TRANSACTION = {"CancellationReasons": [{"Code": "ThrottlingError"}, {"Code": "None"}]}


@pytest.mark.parametrize(
    ("code", "response"),
    [("ProvisionedThroughputExceededException", {}), ("TransactionCanceledException", THROTTLED_TRANSACTION)],
)
def test_a_throttled_api_write_is_a_503_and_the_clients_retry_creates_one_user(code: str, response: dict) -> None:
    ada = {"name": "Ada", "email": "ada@example.com"}
    with injected() as faults:
        faults.error("dynamodb", "TransactWriteItems", code, times=1, status=400, **response)
        first = call_users("POST", "/users", ada)
        second = call_users("POST", "/users", ada)
        third = call_users("POST", "/users", ada)  # a client retrying once too often

    assert [first["statusCode"], second["statusCode"], third["statusCode"]] == [503, 201, 409]
    assert json.loads(first["body"])["error"]["code"] == "service_unavailable"
    listed = call_users("GET", "/users")
    assert [u["email"] for u in json.loads(listed["body"])["items"]] == ["ada@example.com"]


def test_a_throttled_api_read_is_a_503_then_answers() -> None:
    call_users("POST", "/users", {"name": "Ada", "email": "ada@example.com"})
    with injected() as faults:
        faults.error("dynamodb", "Query", "ThrottlingException", times=1, status=400)
        first, second = call_users("GET", "/users"), call_users("GET", "/users")

    assert (first["statusCode"], second["statusCode"]) == (503, 200)
    assert len(json.loads(second["body"])["items"]) == 1


# -- S3 ------------------------------------------------------------------------------------------------
def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def test_an_s3_read_error_in_thumbnails_is_retried_into_one_thumbnail() -> None:
    event = upload("media", "uploads/cat.jpg", jpeg())
    with injected() as faults:
        faults.error("s3", "GetObject", "SlowDown", times=2, status=503)

        result, attempts = deliver(thumbnails.lambda_handler, event)

    assert attempts == 3 and [c["key"] for c in result["created"]] == ["uploads/cat.jpg"]
    keys = [o["Key"] for o in client("s3").list_objects_v2(Bucket="media", Prefix="thumbnails/").get("Contents", [])]
    assert len(keys) == 1


def test_an_s3_read_error_in_the_etl_fails_the_file_then_the_retry_loads_it_once() -> None:
    event = upload("data", "incoming/unreadable.csv", sales_csv(30))
    with injected() as faults:
        faults.error("s3", "GetObject", "InternalError", times=1)

        result, attempts = deliver(etl.lambda_handler, event)

    assert attempts == 2 and result["files"][0]["status"] == "complete"
    assert_each_once(sales(), {f"s-{n}" for n in range(30)})


def test_a_connection_reset_mid_file_fails_the_etl_by_name_and_the_retry_completes_it(caplog) -> None:
    body = sales_csv(ROWS)
    event = upload("data", "incoming/reset.csv", body)
    with injected() as faults:
        faults.broken_stream("s3", "GetObject", after_bytes=len(body) // 2, times=1)
        with pytest.raises(DependencyError, match="reading s3://data/incoming/reset.csv failed"):
            etl.lambda_handler(copy.deepcopy(event), FakeLambdaContext())
    half_loaded = sum(sales().values())

    result, _ = deliver(etl.lambda_handler, event)

    assert half_loaded < ROWS and result["files"][0]["status"] == "complete"
    assert_each_once(sales(), {f"s-{n}" for n in range(ROWS)})


@pytest.mark.parametrize("silent", [False, True], ids=["reset", "short read"])
def test_a_connection_reset_while_reading_an_image_is_retried_into_one_thumbnail(silent: bool) -> None:
    image = jpeg()
    event = upload("media", "uploads/reset.jpg", image)
    with injected() as faults:
        faults.broken_stream("s3", "GetObject", after_bytes=len(image) // 3, times=1, silent=silent)

        result, attempts = deliver(thumbnails.lambda_handler, event)

    assert attempts == 2 and [c["key"] for c in result["created"]] == ["uploads/reset.jpg"]


# -- SNS -----------------------------------------------------------------------------------------------
def drain(queue: str) -> list[dict[str, Any]]:
    sqs, messages = client("sqs"), []
    while batch := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        messages += [json.loads(m["Body"]) for m in batch]
        for m in batch:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
    return messages


def kinesis(*orders_: dict[str, Any]) -> dict[str, Any]:
    return {"Records": [{"eventSource": "aws:kinesis", "eventID": f"shardId-0:{n}", "kinesis": {
        "sequenceNumber": str(n), "partitionKey": "p", "data": base64.b64encode(json.dumps(o).encode()).decode()}}
        for n, o in enumerate(orders_)]}  # fmt: skip


def test_an_sns_failure_in_the_stream_processor_retries_the_batch_and_alerts_once(world: World) -> None:
    batch = kinesis(
        *[{"orderId": f"o-{n}", "customerId": "c-1", "amount": "5000", "currency": "USD"} for n in range(4)]
    )
    with injected() as faults:
        faults.error("sns", "Publish", "InternalError", times=2)

        result, attempts = deliver(orders.lambda_handler, batch)
        deliver(orders.lambda_handler, batch)  # and the stream redelivers the batch once more anyway

    assert attempts == 3 and result["alerted"] == 4
    alerts = Counter(m["order_id"] for m in drain(world.alert_queues[0]))
    assert_each_once(alerts, {f"o-{n}" for n in range(4)})


def test_an_sns_failure_in_the_scraper_alerts_on_the_next_run_exactly_once(world: World, caplog) -> None:
    client("dynamodb").put_item(TableName="prices", Item={"productId": {"S": "p-ok"}, "observedAt": {
        "S": "2026-11-01T00:00:00+00:00"}, "amount": {"N": "100"}, "currency": {"S": "USD"}})  # fmt: skip
    with injected() as faults:
        faults.error("sns", "Publish", "InternalError", times=1)
        first = scraper.lambda_handler({}, FakeLambdaContext())
    second = scraper.lambda_handler({}, FakeLambdaContext())
    third = scraper.lambda_handler({}, FakeLambdaContext())

    assert (first["failed"], first["alerts"], second["alerts"], third["alerts"]) == (1, 0, 1, 0)
    assert logged(caplog, "product failed")[0].error == "dependency_unavailable"
    assert [m["product_id"] for m in drain(world.alert_queues[0])] == ["p-ok"]


# -- HTTP: scraped sites and the weather endpoint ----------------------------------------------------
def test_slow_and_failing_shops_cost_their_product_only_and_recover_next_run(monkeypatch, caplog) -> None:
    state = {"mode": "fail"}

    def flaky(_path: str) -> tuple[int, str, bytes]:
        if state["mode"] == "fail":
            return 503, "text/plain", b"down"
        return 200, "text/html", b'<span class="price">$7.00</span>'

    with serve({"/flaky": flaky, "/slow": lambda _p: (200, "text/html", b'<span class="price">$1</span>')},
               delays={"/slow": 2.5}) as url:  # fmt: skip
        products = [{"id": "flaky", "url": f"{url}/flaky"}, {"id": "slow", "url": f"{url}/slow"},
                    {"id": "p-ok", "url": f"{serve.base}/ok"}]  # type: ignore[attr-defined]  # fmt: skip
        client("ssm").put_parameter(Name="/products", Value=json.dumps(products), Type="String", Overwrite=True)
        first = scraper.lambda_handler({}, FakeLambdaContext())
        state["mode"] = "ok"
        second = scraper.lambda_handler({}, FakeLambdaContext())

    assert (first["checked"], first["failed"]) == (1, 2)
    assert {r.product_id: r.error for r in logged(caplog, "product failed")}.keys() >= {"flaky", "slow"}
    assert (second["checked"], second["failed"]) == (2, 1)  # the slow shop is still slower than the timeout
    items = client("dynamodb").scan(TableName="prices")["Items"]
    assert Counter(i["productId"]["S"] for i in items) == Counter({"p-ok": 2, "flaky": 1})


def slash(text: str) -> dict[str, Any]:
    body, ts = f"command=%2Fweather&text={text}&user_id=U1", str(int(time.time()))
    event = json.loads((EVENTS / "apigateway-rest-proxy.json").read_text())
    event.update(httpMethod="POST", resource="/slack/commands", path="/slack/commands", pathParameters=None, body=body)
    event["headers"] = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                        "X-Slack-Signature": sign(SLACK_SECRET.encode(), ts, body.encode())}  # fmt: skip
    return slack.lambda_handler(event, FakeLambdaContext())


@pytest.mark.parametrize(("status", "delay", "cause"), [(500, 0.0, "HTTPError"), (503, 0.0, "HTTPError"),
                                                    (200, 30.0, "ReadTimeout")])  # fmt: skip
def test_a_failing_weather_endpoint_gets_a_friendly_reply_in_time(
    monkeypatch, caplog, status: int, delay: float, cause: str
) -> None:
    with serve({"/weather/": lambda _p: (status, "application/json", b"{}")}, delays={"/weather/": delay}) as url:
        monkeypatch.setenv("WEATHER_URL", f"{url}/weather/{{place}}")
        slack.bot.cache_clear()
        answer = slash("Oslo")

    assert answer["statusCode"] == 200
    assert "weather" in json.loads(answer["body"])["text"].lower()
    # The stall is 30 s: a reply at all means the read timeout fired, and the log says so.
    assert logged(caplog, "weather unavailable")[0].reason.startswith(cause)


# -- a worker crash mid-batch --------------------------------------------------------------------------
def receive(world: World) -> dict[str, Any]:
    sqs, queue = client("sqs"), world.env["WORK_QUEUE_URL"]
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    return {"Records": [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                         "attributes": m["Attributes"], "messageAttributes": {}, "eventSource": "aws:sqs",
                         "eventSourceARN": world.work_queue_arn, "awsRegion": "us-east-1"} for m in messages]}  # fmt: skip


class ShortContext(FakeLambdaContext):
    """An invocation with one second left: the idempotency lock of a crashed one expires that soon."""

    def get_remaining_time_in_millis(self) -> int:
        return 1000


@pytest.mark.documents("services.md", "SQS worker")
def test_a_worker_crash_mid_batch_loses_nothing_and_does_nothing_twice(world: World) -> None:
    sqs, queue, jobs = client("sqs"), world.env["WORK_QUEUE_URL"], [f"job-{n}" for n in range(5)]
    for job_id in jobs:
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"jobId": job_id, "orderId": job_id,
                         "customerId": "c-1", "total": "2", "items": [{"sku": "k", "quantity": 1, "unitPrice": "2"}]}))  # fmt: skip
    batch = receive(world)
    assert len(batch["Records"]) == 5
    with injected() as faults:
        # GIVEN the process dies while starting the third job's workflow (its fulfilment already recorded)
        faults.crash("stepfunctions", "StartExecution", after_calls=2)
        with pytest.raises(WorkerCrashed):
            worker.lambda_handler(copy.deepcopy(batch), ShortContext())
    # WHEN the visibility timeout ends (shortened here) and SQS delivers what was not deleted
    for record in batch["Records"]:
        # A message the crashed invocation deleted (its job done before it died) has no handle left.
        with contextlib.suppress(sqs.exceptions.ReceiptHandleIsInvalid):
            sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0)
    time.sleep(1.2)
    redelivered = receive(world)
    result = worker.lambda_handler(redelivered, FakeLambdaContext())

    # THEN the two finished jobs are not redelivered, and every job's effects exist exactly once
    assert result == {"done": 3} and len(redelivered["Records"]) == 3
    fulfilments = client("dynamodb").scan(TableName="fulfilments")["Items"]
    assert {i["jobId"]["S"]: int(i["processed"]["N"]) for i in fulfilments} == dict.fromkeys(jobs, 1)
    executions = client("stepfunctions").list_executions(stateMachineArn=world.env["WORKFLOW_ARN"])["executions"]
    assert_each_once(Counter(e["name"] for e in executions), set(jobs))
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"]) == (
        "0",
        "0",
    )
