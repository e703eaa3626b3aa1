"""The ETL, order stream, session sweep and price scraper handlers against moto's S3, DynamoDB, SNS, SQS, SSM."""

from __future__ import annotations

import base64
import codecs
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_plus

import boto3
import pytest

from lambdas.common import settings
from lambdas.common.exceptions import DependencyError, InvalidEvent
from lambdas.services.etl import handler as etl
from lambdas.services.etl.loader import OutOfTime
from lambdas.services.order_stream import handler as orders
from lambdas.services.scraper import handler as scraper
from lambdas.services.sessions import handler as sessions
from lambdas.services.sessions.storage import DynamoSessions
from tests.conftest import CORPUS
from tests.httpserver import serve

from .conftest import FakeLambdaContext, logged
from .world import fresh_container, remembered_days, subscribed_queue, table


def drain(queue: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


# -- ETL -----------------------------------------------------------------------------------------------
CSV = (
    "id,date,amount,region,product\n"
    "s-1,2026-11-01,19.99,eu,Kettle\n"
    "s-2,2026-11-02,not-money,us,Lamp\n"
    "s-3,2026-11-03,5,us,Chair\n"
    "s-4,yesterday,1,us,Desk\n"
)


@pytest.fixture
def etl_env(moto_aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="data")
    table("sales", "id")
    monkeypatch.setenv("SALES_TABLE", "sales")
    settings.clear_cached()
    yield s3
    settings.clear_cached()


def s3_event(key: str, bucket: str = "data") -> dict:
    return {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                         "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key)}}}]}  # fmt: skip


def sales_items() -> list[dict]:
    return sorted(
        boto3.client("dynamodb", region_name="us-east-1").scan(TableName="sales")["Items"], key=lambda i: i["id"]["S"]
    )


@pytest.mark.documents("services.md", "A report for every file")
def test_good_rows_load_and_bad_rows_are_reported(etl_env, lambda_context) -> None:
    etl_env.put_object(Bucket="data", Key="incoming/nov 2026.csv", Body=CSV.encode())
    result = etl.lambda_handler(s3_event("incoming/nov 2026.csv"), lambda_context)
    assert result["files"][0]["rows_loaded"] == 2
    assert [i["id"]["S"] for i in sales_items()] == ["s-1", "s-3"]
    assert sales_items()[0]["amount"] == {"N": "19.99"}
    report = json.loads(etl_env.get_object(Bucket="data", Key="reports/nov 2026.csv.report.json")["Body"].read())
    assert (report["status"], report["rows_read"], report["rows_loaded"], report["rows_rejected"]) == (
        "complete",
        4,
        2,
        2,
    )
    assert [r["line"] for r in report["rejections"]] == [3, 5]


@pytest.mark.documents("services.md", "Loading a file again changes nothing")
def test_loading_the_same_file_again_leaves_the_table_as_it_was(etl_env, lambda_context) -> None:
    etl_env.put_object(Bucket="data", Key="incoming/a.csv", Body=CSV.encode())
    etl.lambda_handler(s3_event("incoming/a.csv"), lambda_context)
    before = sales_items()
    etl.lambda_handler(s3_event("incoming/a.csv"), lambda_context)
    assert sales_items() == before


@pytest.mark.documents("services.md", "A report for every file")
def test_files_whose_names_differ_only_by_case_or_extension_keep_their_own_reports(etl_env, lambda_context) -> None:
    # GIVEN files whose reports one rule (drop the extension) would give one key
    files = {"incoming/x.csv": CSV, "incoming/x.CSV": CSV.replace("s-3,", "s-9,"), "incoming/x.csv.csv": "id,date\n"}
    for key, body in files.items():
        etl_env.put_object(Bucket="data", Key=key, Body=body.encode())
        etl.lambda_handler(s3_event(key), lambda_context)
    # THEN each has a report of its own, naming its own source: none overwrote another
    listed = etl_env.list_objects_v2(Bucket="data", Prefix="reports/")["Contents"]
    reports = {o["Key"]: json.loads(etl_env.get_object(Bucket="data", Key=o["Key"])["Body"].read()) for o in listed}
    assert {r["source"] for r in reports.values()} == {f"s3://data/{key}" for key in files}
    assert len(reports) == 3


@pytest.mark.documents("services.md", "A report for every file")
@pytest.mark.parametrize(("body", "error"), [(b"", "bad_header"), (b"name,price\nx,1\n", "bad_header")])
def test_an_unusable_file_gets_a_rejected_report(etl_env, lambda_context, caplog, body: bytes, error: str) -> None:
    etl_env.put_object(Bucket="data", Key="incoming/bad.csv", Body=body)
    etl.lambda_handler(s3_event("incoming/bad.csv"), lambda_context)
    report = json.loads(etl_env.get_object(Bucket="data", Key="reports/bad.csv.report.json")["Body"].read())
    assert (report["status"], report["error"].split(":")[0]) == ("rejected", error)
    assert [r for r in caplog.records if r.getMessage() == "file processed" and r.levelname == "ERROR"]


TEXTS = CORPUS / "charset-normalizer"


def sales_file(text_lines: list[bytes], newline: bytes = b"\n") -> bytes:
    """A sales CSV whose product names are real text lines, kept as the bytes they were."""
    rows = [b"id,date,amount,region,product"]
    for n, line in enumerate(text_lines):
        product = line.strip().replace(b'"', b"'")[:150] or b"-"
        rows.append(b't-%d,2026-11-01,%d.50,eu,"%s"' % (n, n + 1, product))
    return newline.join(rows) + newline


def _lines(name: str, encoding: str) -> list[str]:
    return [line for line in (TEXTS / name).read_bytes().decode(encoding).splitlines() if line.strip()]


@pytest.mark.documents("services.md", "Encodings")
def test_a_windows_1252_file_stores_no_mangled_text(etl_env, lambda_context) -> None:
    # The real French sample in Windows-1252 (charset-normalizer's test data), as a Windows export is.
    raw_lines = [line for line in (TEXTS / "sample-french-1.txt").read_bytes().splitlines() if line.strip()]
    etl_env.put_object(Bucket="data", Key="incoming/legacy.csv", Body=sales_file(raw_lines, b"\r\n"))
    etl.lambda_handler(s3_event("incoming/legacy.csv"), lambda_context)
    report = json.loads(etl_env.get_object(Bucket="data", Key="reports/legacy.csv.report.json")["Body"].read())
    accented = [n for n, line in enumerate(raw_lines) if not line.isascii()]
    assert accented and report["rows_rejected"] == len(accented)
    assert all("not valid in the file's encoding" in r["reason"] for r in report["rejections"])
    assert "byte 0x" in report["rejections"][0]["reason"]
    stored = sales_items()
    assert len(stored) == len(raw_lines) - len(accented)
    # What was stored is exactly what the file said: no U+FFFD, no guessed characters.
    assert all("\ufffd" not in i["product"]["S"] for i in stored)
    ascii_lines = {line.strip().decode().replace('"', "'")[:150] for line in raw_lines if line.isascii()}
    assert {i["product"]["S"] for i in stored} <= ascii_lines


@pytest.mark.parametrize(
    ("name", "encoding", "encode"),
    [
        ("sample-french.txt", "utf-8", lambda text: text.encode("utf-8")),
        ("sample-english.bom.txt", "utf-8-sig", lambda text: codecs.BOM_UTF8 + text.encode("utf-8")),
        ("sample-french.txt", "utf-8", lambda text: text.encode("utf-16")),  # with its BOM
        ("sample-french.txt", "utf-8", lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be")),
    ],
)
@pytest.mark.documents("services.md", "Encodings")
def test_utf8_and_utf16_files_load_exactly(etl_env, lambda_context, name: str, encoding: str, encode) -> None:
    lines = _lines(name, encoding)
    text = sales_file([line.encode() for line in lines]).decode()
    etl_env.put_object(Bucket="data", Key="incoming/texts.csv", Body=encode(text))
    etl.lambda_handler(s3_event("incoming/texts.csv"), lambda_context)
    report = json.loads(etl_env.get_object(Bucket="data", Key="reports/texts.csv.report.json")["Body"].read())
    assert (report["status"], report["rows_rejected"], report["rows_loaded"]) == ("complete", 0, len(lines))
    assert {i["product"]["S"] for i in sales_items()} == {line.strip().replace('"', "'")[:150] for line in lines}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (codecs.BOM_UTF32_LE + CSV.encode("utf-32-le"), "UTF-32"),
        (CSV.encode("utf-16-le"), "UTF-16 without a byte-order mark"),
        ("id,dat\xe9,amount,region,product\n".encode("cp1252"), "the header row: byte 0xe9"),
    ],
)
@pytest.mark.documents("services.md", "Encodings")
def test_files_in_other_encodings_are_refused_with_a_clear_report(etl_env, lambda_context, body, reason) -> None:
    etl_env.put_object(Bucket="data", Key="incoming/other.csv", Body=body)
    etl.lambda_handler(s3_event("incoming/other.csv"), lambda_context)
    report = json.loads(etl_env.get_object(Bucket="data", Key="reports/other.csv.report.json")["Body"].read())
    assert (report["status"], report["error"].split(":")[0]) == ("rejected", "bad_encoding")
    assert reason in report["error"]
    assert sales_items() == []


@pytest.mark.documents("services.md", "Streamed, checked rows")
@pytest.mark.parametrize("key", ["incoming/SALES.CSV", "incoming/sales.Csv"])
def test_a_csv_suffix_in_any_case_is_loaded(etl_env, lambda_context, key: str) -> None:
    etl_env.put_object(Bucket="data", Key=key, Body=CSV.encode())
    assert etl.lambda_handler(s3_event(key), lambda_context)["files"][0]["rows_loaded"] == 2


@pytest.mark.documents("services.md", "Streamed, checked rows")
def test_other_files_under_the_prefix_are_ignored_out_loud(etl_env, lambda_context, caplog) -> None:
    etl_env.put_object(Bucket="data", Key="incoming/readme.txt", Body=CSV.encode())
    assert etl.lambda_handler(s3_event("incoming/readme.txt"), lambda_context) == {"files": []}
    (ignored,) = logged(caplog, "object ignored")
    assert (ignored.levelname, ignored.key) == ("WARNING", "incoming/readme.txt")
    assert sales_items() == []


@pytest.mark.documents("services.md", "Largest file")
def test_a_file_above_the_stated_limit_is_refused_before_loading(etl_env, lambda_context, monkeypatch) -> None:
    monkeypatch.setenv("ETL_MAX_FILE_BYTES", "1024")
    settings.clear_cached()
    etl_env.put_object(Bucket="data", Key="incoming/big.csv", Body=(CSV * 20).encode())
    etl.lambda_handler(s3_event("incoming/big.csv"), lambda_context)
    report = json.loads(etl_env.get_object(Bucket="data", Key="reports/big.csv.report.json")["Body"].read())
    assert report["status"] == "rejected"
    assert "split the file" in report["error"]
    assert sales_items() == []


@pytest.mark.documents("services.md", "Largest file")
def test_running_out_of_time_is_loud_and_reported(etl_env, monkeypatch) -> None:
    rows = "id,date,amount,region,product\n" + "".join(f"s-{n},2026-11-01,1,eu,K\n" for n in range(100))
    etl_env.put_object(Bucket="data", Key="incoming/slow.csv", Body=rows.encode())

    class AlmostOutOfTime(FakeLambdaContext):
        def get_remaining_time_in_millis(self) -> int:
            return 1000  # less than the 15 s margin

    with pytest.raises(OutOfTime):
        etl.lambda_handler(s3_event("incoming/slow.csv"), AlmostOutOfTime())
    report = json.loads(etl_env.get_object(Bucket="data", Key="reports/slow.csv.report.json")["Body"].read())
    assert (report["status"], report["rows_loaded"]) == ("incomplete", 25)


# -- orders --------------------------------------------------------------------------------------------
@pytest.fixture
def orders_env(moto_aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    table("orders-idempotency", "id", ttl="expiration")
    topic, queue = subscribed_queue("order-alerts")
    monkeypatch.setenv("ALERTS_TOPIC_ARN", topic)
    monkeypatch.setenv("IDEMPOTENCY_TABLE", "orders-idempotency")
    fresh_container()
    yield queue
    fresh_container()


def kinesis_event(*payloads: Any) -> dict:
    records = []
    for n, payload in enumerate(payloads):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        records.append({"eventSource": "aws:kinesis", "eventID": f"shardId-0:{n}",
                        "kinesis": {"sequenceNumber": str(n), "partitionKey": "p", "data": base64.b64encode(data).decode()}})  # fmt: skip
    return {"Records": records}


def order(order_id: str, amount: str) -> dict:
    return {"orderId": order_id, "customerId": "c-1", "amount": amount, "currency": "USD"}


@pytest.mark.documents("services.md", "One alert per large order")
def test_a_large_order_alerts_once_even_when_redelivered(orders_env, lambda_context) -> None:
    event = kinesis_event(order("o-1", "1500.00"), order("o-2", "999.99"), order("o-3", "1000.00"))
    assert orders.lambda_handler(event, lambda_context) == {"processed": 3, "alerted": 1}
    orders.lambda_handler(event, lambda_context)  # the same batch again, as after a retry
    sqs = boto3.client("sqs", region_name="us-east-1")
    (alert,) = sqs.receive_message(QueueUrl=orders_env, MaxNumberOfMessages=10, MessageAttributeNames=["All"])[
        "Messages"]  # fmt: skip
    # what a subscriber reads: the order in the alert's words, and attributes a filter policy can match
    assert json.loads(alert["Body"]) == {"type": "large_order", "order_id": "o-1", "customer_id": "c-1",
                                         "amount": "1500.00", "currency": "USD"}  # fmt: skip
    assert {k: v["StringValue"] for k, v in alert["MessageAttributes"].items()} == {
        "order_id": "o-1", "type": "large_order"}  # fmt: skip
    assert remembered_days("orders-idempotency") == {7.0}  # the alert's key is kept 7 days, as documented


@pytest.mark.documents("services.md", "One alert per large order")
def test_an_alert_whose_delivery_died_after_publishing_is_dead_lettered_not_sent_again(
    orders_env, lambda_context, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

    from lambdas.services.order_stream import alerts

    real = alerts.notify.publish

    def publish_then_die(*args: Any, **kwargs: Any) -> str:
        real(*args, **kwargs)
        raise SystemExit("the execution environment died before the alert was recorded as sent")

    event = kinesis_event(order("o-7", "1500.00"))
    # GIVEN a delivery whose invocation dies after publishing the alert and before recording it
    monkeypatch.setattr(alerts.notify, "publish", publish_then_die)
    with pytest.raises(SystemExit):
        orders.lambda_handler(event, lambda_context)
    monkeypatch.setattr(alerts.notify, "publish", real)
    # WHEN the batch is delivered again, as the mapping retries it
    with pytest.raises(IdempotencyAlreadyInProgressError):
        orders.lambda_handler(event, lambda_context)
    # THEN it fails (to reach the failure destination) and no second alert is sent, for the grace period
    assert [a["order_id"] for a in drain(orders_env)] == ["o-7"]
    (record,) = boto3.client("dynamodb", region_name="us-east-1").scan(TableName="orders-idempotency")["Items"]
    held_ms = int(record["in_progress_expiration"]["N"]) - time.time() * 1000
    assert held_ms > (5 * 60 - 5) * 1000  # five minutes, as docs/services.md says


@pytest.mark.documents("services.md", "A bad record is isolated; the shard never stalls")
def test_a_poison_record_fails_the_batch_after_the_good_ones(orders_env, lambda_context, caplog) -> None:
    event = kinesis_event(order("o-9", "2500.00"), b"\x00garbage", order("o-10", "5.00"))
    with pytest.raises(orders.PoisonRecords, match="1 of 3 records"):
        orders.lambda_handler(event, lambda_context)
    assert [a["order_id"] for a in drain(orders_env)] == ["o-9"]
    (rejected,) = logged(caplog, "record rejected")
    assert rejected.sequence_number == "1"


def test_an_event_that_is_not_a_kinesis_batch_fails(orders_env, lambda_context) -> None:
    with pytest.raises(InvalidEvent):
        orders.lambda_handler({"Records": [{"eventSource": "aws:sqs"}]}, lambda_context)


# -- sessions ------------------------------------------------------------------------------------------
@pytest.fixture
def sessions_env(moto_aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    table("sessions", "sessionId", ttl="expiresAt")
    monkeypatch.setenv("SESSIONS_TABLE", "sessions")
    monkeypatch.setenv("SWEEP_PAGE_SIZE", "500")
    settings.clear_cached()
    yield boto3.client("dynamodb", region_name="us-east-1")
    settings.clear_cached()


def seed_sessions(ddb: Any, count: int, expired_every: int = 3) -> set[str]:
    now, live = int(time.time()), set()
    for start in range(0, count, 25):
        requests = []
        for n in range(start, min(count, start + 25)):
            expired = n % expired_every != 0
            if not expired:
                live.add(f"s-{n}")
            item = {"sessionId": {"S": f"s-{n}"}, "expiresAt": {"N": str(now - 60 if expired else now + 3600)},
                    "payload": {"S": "x" * 600}}  # fmt: skip
            requests.append({"PutRequest": {"Item": item}})
        ddb.batch_write_item(RequestItems={"sessions": requests})
    return live


def remaining(ddb: Any) -> set[str]:
    keys, params = set(), {"TableName": "sessions", "ProjectionExpression": "sessionId"}
    while True:
        page = ddb.scan(**params)
        keys |= {i["sessionId"]["S"] for i in page["Items"]}
        if "LastEvaluatedKey" not in page:
            return keys
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.mark.documents("services.md", "TTL and a nightly sweep")
def test_the_sweep_deletes_expired_sessions_beyond_one_megabyte(sessions_env, lambda_context, load_event) -> None:
    live = seed_sessions(sessions_env, 2400)  # about 1.6 MB
    report = sessions.lambda_handler(load_event("eventbridge-scheduled.json"), lambda_context)
    assert report == {"pages": report["pages"], "expired_found": 1600, "deleted": 1600, "complete": True,
                      "remaining": "none"}  # fmt: skip
    assert report["pages"] > 1
    assert remaining(sessions_env) == live


def test_a_scan_that_fails_names_the_table_it_was_reading(sessions_env) -> None:
    with pytest.raises(DependencyError, match=r"^Scan of no-such-table failed: ResourceNotFoundException$"):
        next(DynamoSessions("no-such-table").expired_pages(now=1000, page_size=25))


@pytest.mark.documents("services.md", "The sweep stops in time")
def test_the_sweep_stops_before_the_timeout_and_reports_what_remains(sessions_env, load_event) -> None:
    seed_sessions(sessions_env, 300)

    class Ending(FakeLambdaContext):
        def get_remaining_time_in_millis(self) -> int:
            return 100

    report = sessions.lambda_handler(load_event("eventbridge-scheduled.json"), Ending())
    assert (report["complete"], report["deleted"]) == (False, 0)
    assert "not deleted" in report["remaining"]


# -- scraper -------------------------------------------------------------------------------------------
@pytest.fixture
def shop() -> Iterator[dict[str, str]]:
    prices = {"kettle": "$100.00", "lamp": "1.299,99 EUR"}

    def page(path: str) -> tuple[int, str, bytes]:
        product = path.rsplit("/", 1)[-1]
        if product not in prices:
            return 404, "text/html", b"gone"
        return 200, "text/html", f'<html><body><span class="price">{prices[product]}</span></body></html>'.encode()

    with serve({"/products/": page, "/broken/": lambda p: (200, "text/html", b"<p>no price here</p>")}) as url:
        prices["_url"] = url
        yield prices


@pytest.fixture
def scraper_env(moto_aws, monkeypatch: pytest.MonkeyPatch, shop: dict[str, str]) -> Iterator[str]:
    url = shop["_url"]
    products = [{"id": "kettle", "url": f"{url}/products/kettle"}, {"id": "lamp", "url": f"{url}/products/lamp"},
                {"id": "gone", "url": f"{url}/products/gone"}, {"id": "broken", "url": f"{url}/broken/x"}]  # fmt: skip
    boto3.client("ssm", region_name="us-east-1").put_parameter(
        Name="/products", Value=json.dumps(products), Type="String"
    )
    table("prices", "productId", sort="observedAt")
    table("scraper-idempotency", "id", ttl="expiration")
    topic, queue = subscribed_queue("price-alerts")
    for name, value in {"PRODUCTS_PARAMETER": "/products", "PRICES_TABLE": "prices", "ALERTS_TOPIC_ARN": topic,
                        "IDEMPOTENCY_TABLE": "scraper-idempotency", "SCRAPER_ALLOW_HOSTS": "127.0.0.1",
                        "SCRAPER_HOST_DELAY_SECONDS": "0"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    fresh_container()
    yield queue
    fresh_container()


@pytest.mark.documents("services.md", "Price history and drop alerts")
def test_two_runs_with_a_price_drop_send_exactly_one_alert(
    scraper_env, shop, lambda_context, load_event, caplog
) -> None:
    first = scraper.lambda_handler(load_event("eventbridge-scheduled.json"), lambda_context)
    assert (first["checked"], first["failed"], first["alerts"]) == (2, 2, 0)
    shop["kettle"] = "$85.00"
    second = scraper.lambda_handler(load_event("eventbridge-scheduled.json"), lambda_context)
    third = scraper.lambda_handler(load_event("eventbridge-scheduled.json"), lambda_context)
    assert (second["alerts"], third["alerts"]) == (1, 0)
    assert remembered_days("scraper-idempotency") == {30.0}
    alerts = drain(scraper_env)
    assert [(a["product_id"], a["previous_amount"], a["amount"], a["currency"]) for a in alerts] == [
        ("kettle", "100.00", "85.00", "USD")
    ]
    failed = {r.product_id: r.error for r in logged(caplog, "product failed")}
    assert failed == {"gone": "fetch_failed", "broken": "price_not_found"}


def test_a_private_host_is_refused_unless_allowed(scraper_env, lambda_context, load_event, monkeypatch, caplog) -> None:
    monkeypatch.setenv("SCRAPER_ALLOW_HOSTS", "")
    settings.clear_cached()
    scraper.fetcher.cache_clear()
    report = scraper.lambda_handler(load_event("eventbridge-scheduled.json"), lambda_context)
    assert (report["checked"], report["failed"]) == (0, 4)
    assert {r.error for r in logged(caplog, "product failed")} == {"blocked_url"}


@pytest.mark.parametrize(
    ("status", "read", "rejected", "level"),
    [("complete", 1, 0, "INFO"), ("complete", 9, 7, "WARNING"), ("complete", 0, 0, "WARNING"),
     ("failed", 3, 0, "ERROR"), ("rejected", 0, 0, "ERROR")],
)  # fmt: skip
def test_a_files_outcome_is_logged_at_the_level_its_producer_must_hear(
    etl_env, caplog, monkeypatch, status: str, read: int, rejected: int, level: str
) -> None:
    from lambdas.services.etl import handler as etl_handler
    from lambdas.services.etl.loader import LoadReport

    counted: list[tuple[str, int]] = []
    monkeypatch.setattr(etl_handler.observed, "count", lambda name, value=1, **_: counted.append((name, value)))
    report = LoadReport("incoming/a.csv", rows_read=read, rows_loaded=read - rejected, rows_rejected=rejected,
                        rejections=[{"line": 2, "reason": "r"}] * rejected, status=status)  # fmt: skip
    with caplog.at_level("INFO"):
        etl_handler._log(report)
    (record,) = logged(caplog, "file processed")
    assert record.levelname == level
    assert (record.status, record.rows_read, record.rows_rejected) == (status, read, rejected)
    assert not hasattr(record, "rejections")  # the whole list stays in the report, five in the log
    assert record.first_rejections == report.rejections[:5] and len(record.first_rejections) == min(rejected, 5)
    assert counted == [("RowsLoaded", read - rejected), ("RowsRejected", rejected)]
