"""The event-driven services on the emulator, triggered the way AWS triggers them."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests

from .conftest import Deployed

pytestmark = pytest.mark.e2e


def queue_messages(deployed: Deployed, name: str, at_least: int = 1, wait: float = 120.0) -> list[dict[str, Any]]:
    """The queue's messages, received and deleted: as soon as `at_least` have arrived (AssertionError
    after `wait` seconds), and then every other message already there, without waiting for more.

    Call it once the producer has finished (the emulator's async queue idle, the last record of a
    stream delivered): a duplicate it would send is then already in the queue, and is returned too.
    """
    sqs = deployed.client("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    bodies: list[dict[str, Any]] = []

    def receive(seconds: int) -> int:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=seconds)
        for message in messages.get("Messages", []):
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages.get("Messages", []))

    deadline = time.monotonic() + wait
    while len(bodies) < at_least:
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} holds {len(bodies)} message(s) after {wait:.0f} s, expected {at_least}")
        receive(1)
    while receive(0):
        pass
    return bodies


def all_items(deployed: Deployed, table: str) -> list[dict[str, Any]]:
    ddb, items, params = deployed.client("dynamodb"), [], {"TableName": table}
    while True:
        page = ddb.scan(**params)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda i: json.dumps(i, sort_keys=True))
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


CSV = (
    "id,date,amount,region,product\n"
    "e2e-1,2026-11-01,19.99,eu,Kettle\n"
    "e2e-2,2026-13-01,5.00,us,Lamp\n"
    "e2e-3,2026-11-03,1299.50,us,Chair\n"
    "e2e-4,2026-11-04,12.5.0,apac,Desk\n"
)


def test_a_csv_loads_good_rows_reports_bad_ones_and_reloads_without_duplicates(deployed: Deployed) -> None:
    s3, bucket = deployed.client("s3"), deployed.outputs()["data_bucket_name"]
    s3.put_object(Bucket=bucket, Key="incoming/e2e/sales.csv", Body=CSV.encode())
    assert deployed.control.wait_async(60)
    report = json.loads(s3.get_object(Bucket=bucket, Key="reports/e2e/sales.csv.report.json")["Body"].read())
    assert (report["status"], report["rows_loaded"], report["rows_rejected"]) == ("complete", 2, 2)
    assert [r["line"] for r in report["rejections"]] == [3, 5]
    # (this file's rows only: the shared platform's table holds what other modules loaded, in any order)
    items = [i for i in all_items(deployed, "platform-local-sales") if i["id"]["S"].startswith("e2e-")]
    assert {i["id"]["S"] for i in items} == {"e2e-1", "e2e-3"}
    s3.put_object(Bucket=bucket, Key="incoming/e2e/sales.csv", Body=CSV.encode())
    assert deployed.control.wait_async(60)
    assert [i for i in all_items(deployed, "platform-local-sales") if i["id"]["S"].startswith("e2e-")] == items


def test_an_upper_case_csv_from_windows_loads_without_mangled_text(deployed: Deployed) -> None:
    # Two findings from outside: "SALES.CSV" was never delivered (S3's suffix filter is case-sensitive)
    # and a Windows-1252 "é" was stored as U+FFFD in a report that said 0 rejected.
    s3, bucket = deployed.client("s3"), deployed.outputs()["data_bucket_name"]
    body = "id,date,amount,region,product\r\nw-1,2026-11-05,3.50,eu,Caf\xe9\r\nw-2,2026-11-05,4.00,eu,Tea\r\n"
    s3.put_object(Bucket=bucket, Key="incoming/e2e/WINDOWS.CSV", Body=body.encode("cp1252"))
    assert deployed.control.wait_async(60)
    report = json.loads(s3.get_object(Bucket=bucket, Key="reports/e2e/WINDOWS.CSV.report.json")["Body"].read())
    assert (report["status"], report["rows_loaded"], report["rows_rejected"]) == ("complete", 1, 1)
    assert report["rejections"][0]["line"] == 2
    assert "byte 0xe9" in report["rejections"][0]["reason"]
    stored = {i["id"]["S"]: i for i in all_items(deployed, "platform-local-sales")}
    assert "w-1" not in stored and stored["w-2"]["product"]["S"] == "Tea"


@pytest.mark.documents("services.md", "A bad record is isolated; the shard never stalls", "One alert per large order")
@pytest.mark.documents("emulator.md", "Kinesis mappings, polled")
def test_a_large_order_alerts_once_and_a_garbage_record_is_diverted(deployed: Deployed) -> None:
    kinesis = deployed.client("kinesis")
    stream = deployed.outputs()["orders_stream_name"]
    for data in (
        {"orderId": "e2e-big", "customerId": "c-1", "amount": "1500.00", "currency": "USD"},
        b"this is not an order",
        {"orderId": "e2e-small", "customerId": "c-2", "amount": "15.00", "currency": "USD"},
        {"orderId": "e2e-big", "customerId": "c-1", "amount": "1500.00", "currency": "USD"},  # redelivered upstream
    ):
        kinesis.put_record(
            StreamName=stream, Data=data if isinstance(data, bytes) else json.dumps(data).encode(), PartitionKey="p"
        )
    # once the emulator has delivered every record (retries and bisection included), a second alert for
    # the redelivered order would be in the queue already
    assert deployed.control.wait_idle(120)
    (diverted,) = queue_messages(deployed, "platform-local-orders-failures")
    # (the shared platform may carry other modules' orders: this test's own are the e2e- ones)
    alerts = [a for a in queue_messages(deployed, "platform-local-order-alerts") if a["order_id"].startswith("e2e-")]
    assert [(a["order_id"], a["amount"]) for a in alerts] == [("e2e-big", "1500.00")]
    info = diverted["KinesisBatchInfo"]
    assert (info["batchSize"], diverted["requestContext"]["condition"]) == (1, "RetryAttemptsExhausted")
    assert info["startSequenceNumber"] == info["endSequenceNumber"]
    history = deployed.control.invocations("platform-local-orders")
    assert any(not h["errored"] for h in history)


@pytest.mark.documents("emulator.md", "EventBridge schedules, fired")
def test_the_nightly_sweep_fired_now_cleans_more_than_a_megabyte(deployed: Deployed) -> None:
    ddb = deployed.client("dynamodb")
    now, live = int(time.time()), set()
    for start in range(0, 2400, 25):
        batch = []
        for n in range(start, start + 25):
            expired = n % 4 != 0
            if not expired:
                live.add(f"e2e-{n}")
            batch.append({"PutRequest": {"Item": {"sessionId": {"S": f"e2e-{n}"}, "payload": {"S": "s" * 600},
                                                  "expiresAt": {"N": str(now - 10 if expired else now + 86400)}}}})  # fmt: skip
        ddb.batch_write_item(RequestItems={"platform-local-sessions": batch})
    listed = deployed.invoke("rules.list").stdout
    assert "platform-local-session-cleanup  cron(0 2 * * ? *)  ENABLED" in listed
    (rule,) = [r for r in json.loads(deployed.invoke("rules.list", "--json").stdout)
               if r["name"] == "platform-local-session-cleanup"]  # fmt: skip
    assert (rule["schedule"], rule["state"], rule["next"] is not None) == ("cron(0 2 * * ? *)", "ENABLED", True)
    fired = deployed.invoke("rules.fire", "--rule", "platform-local-session-cleanup")
    assert "invoked arn:aws:lambda:us-east-1:123456789012:function:platform-local-sessions" in fired.stdout
    assert deployed.control.wait_async(120)
    assert {i["sessionId"]["S"] for i in all_items(deployed, "platform-local-sessions")} == live


@pytest.mark.documents("emulator.md", "Stand-ins for outside websites")
def test_two_scraper_runs_with_a_price_drop_send_exactly_one_alert(deployed: Deployed) -> None:
    endpoint = deployed.control.require().endpoint
    requests.put(f"{endpoint}/_sites/shop/products/kettle", json={"price": "$1,299.99"}, timeout=5).raise_for_status()
    deployed.invoke("rules.fire", "--rule", "platform-local-price-scraper")
    assert deployed.control.wait_async(120)
    requests.put(f"{endpoint}/_sites/shop/products/kettle", json={"price": "$999.00"}, timeout=5).raise_for_status()
    deployed.invoke("rules.fire", "--rule", "platform-local-price-scraper")
    assert deployed.control.wait_async(120)
    deployed.invoke("rules.fire", "--rule", "platform-local-price-scraper")
    assert deployed.control.wait_async(120)
    alerts = queue_messages(deployed, "platform-local-price-alerts")
    assert [(a["product_id"], a["previous_amount"], a["amount"]) for a in alerts] == [("kettle", "1299.99", "999.00")]
    prices = [i for i in all_items(deployed, "platform-local-prices") if i["productId"]["S"] == "kettle"]
    assert len(prices) == 3


def test_an_unknown_rule_is_a_clear_error(deployed: Deployed) -> None:
    result = deployed.invoke("rules.fire", "--rule", "nope", check=False)
    assert result.returncode == 1
    assert "no scheduled rule 'nope' on the emulator" in result.stderr
