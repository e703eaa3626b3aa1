"""Every asynchronous consumer keeps what it could not process: a failing delivery, after Lambda's
retries, is described in the consumer's failure queue instead of disappearing.

Each consumer is broken the way a bad deploy breaks it (its handler cannot be imported), triggered
through its real trigger on the emulator, and repaired afterwards whatever happens.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from .conftest import Deployed
from .releases import released
from .test_data_services import queue_messages

pytestmark = pytest.mark.e2e


@contextmanager
def broken(deployed: Deployed, function_name: str) -> Iterator[None]:
    with released(deployed, function_name, Handler="broken_deploy.lambda_handler"):
        yield


def _upload(bucket_output: str, key: str) -> Callable[[Deployed, dict[str, Any]], None]:
    def trigger(deployed: Deployed, outputs: dict[str, Any]) -> None:
        deployed.client("s3").put_object(Bucket=outputs[bucket_output], Key=key, Body=b"id,date\n")

    return trigger


def _fire(rule_output: str) -> Callable[[Deployed, dict[str, Any]], None]:
    def trigger(deployed: Deployed, outputs: dict[str, Any]) -> None:
        assert deployed.control.fire(outputs[rule_output])

    return trigger


def _publish(deployed: Deployed, outputs: dict[str, Any]) -> None:
    deployed.client("sns").publish(
        TopicArn=outputs["order_events_topic_arn"],
        Message=json.dumps({"order_id": "o-lost", "customer_id": "c-1"}),
        MessageAttributes={"event_type": {"DataType": "String", "StringValue": "order.completed"}},
    )


CONSUMERS = {
    "thumbnails": ("thumbnails_failures", _upload("media_bucket_name", "uploads/e2e/failure.jpg"), 3),
    "etl": ("etl_failures", _upload("data_bucket_name", "incoming/e2e-failure.csv"), 3),
    "sessions": ("sessions_failures", _fire("session_cleanup_rule_name"), 1),
    "scraper": ("scraper_failures", _fire("scraper_rule_name"), 1),
    "notifications": ("notifications_failures", _publish, 3),
}


@pytest.mark.parametrize("name", sorted(CONSUMERS))
def test_a_delivery_that_keeps_failing_lands_in_the_failure_queue(deployed: Deployed, name: str) -> None:
    queue, trigger, attempts = CONSUMERS[name]
    outputs = deployed.outputs()
    function = outputs["functions"][name]["function_name"]
    queue_name = outputs["queues"][queue].rsplit("/", 1)[-1]
    with broken(deployed, function):
        trigger(deployed, outputs)
        assert deployed.control.wait_async(120)
    records = [r for r in queue_messages(deployed, queue_name) if function in r["requestContext"]["functionArn"]]
    assert len(records) == 1, records
    (record,) = records
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == attempts
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "Runtime.ImportModuleError"
    assert record["requestPayload"]  # the event itself is kept, to be replayed once fixed


def test_the_subscription_keeps_what_sns_cannot_deliver(deployed: Deployed) -> None:
    outputs = deployed.outputs()
    sns = deployed.client("sns")
    topic = outputs["order_events_topic_arn"]
    (subscription,) = [s for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
                       if s["Protocol"] == "lambda"]  # fmt: skip
    attributes = sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])["Attributes"]
    queue_url = outputs["queues"]["notifications_failures"]
    queue_arn = deployed.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": queue_arn}
