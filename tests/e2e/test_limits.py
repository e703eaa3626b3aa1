"""Lambda's limits on the deployed platform: a function over its memory is killed and its event kept,
a function over its reserved concurrency is throttled through the API and its alarm fires.

Each test changes one setting the way an operator would (the Lambda API, and a release for what is
configured per version) and puts it back after.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote_plus, urlencode

import pytest
from PIL import Image

from .conftest import Deployed
from .releases import released
from .test_data_services import queue_messages
from .test_http_surface import slack_post
from .test_spine import wait_for

pytestmark = pytest.mark.e2e


@contextmanager
def reserved_concurrency(deployed: Deployed, function_name: str, limit: int) -> Iterator[None]:
    lambda_client = deployed.client("lambda")
    lambda_client.put_function_concurrency(FunctionName=function_name, ReservedConcurrentExecutions=limit)
    try:
        yield
    finally:
        lambda_client.delete_function_concurrency(FunctionName=function_name)


def large_png() -> bytes:
    """A 6000x6000 photo-sized PNG: a few hundred KB on disk, 108 MB once decoded."""
    image = Image.new("RGB", (6000, 6000), (40, 90, 160))
    image.paste((200, 60, 30), (1000, 1000, 5000, 5000))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.mark.documents("emulator.md", "Memory is a limit")
def test_thumbnails_over_their_memory_are_killed_and_the_upload_is_kept(deployed: Deployed) -> None:
    outputs = deployed.outputs()
    function = outputs["functions"]["thumbnails"]["function_name"]
    failures = outputs["queues"]["thumbnails_failures"].rsplit("/", 1)[-1]
    # GIVEN thumbnails at 128 MB, WHEN an image that decodes to 108 MB is uploaded
    with released(deployed, function, MemorySize=128):
        deployed.client("s3").put_object(Bucket=outputs["media_bucket_name"], Key="uploads/e2e/huge.png",
                                         Body=large_png())  # fmt: skip
        assert deployed.control.wait_async(120)
    # THEN every attempt was killed as Lambda kills it, and the event is in the failure queue
    records = [r for r in queue_messages(deployed, failures) if function in r["requestContext"]["functionArn"]]
    assert len(records) == 1, records
    (record,) = records
    assert record["responsePayload"]["errorType"] == "Runtime.OutOfMemory"
    assert (record["requestContext"]["condition"], record["requestContext"]["approximateInvokeCount"]) == (
        "RetriesExhausted", 3,
    )  # fmt: skip
    assert unquote_plus(record["requestPayload"]["Records"][0]["s3"]["object"]["key"]) == "uploads/e2e/huge.png"
    reports = deployed.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{function}",
                                                        filterPattern='"Max Memory Used: 128 MB"')["events"]  # fmt: skip
    assert len(reports) >= 3


@pytest.mark.documents("emulator.md", "Reserved concurrency is a limit")
def test_three_requests_at_once_to_a_function_limited_to_one_give_two_throttles_and_the_alarm(
    deployed: Deployed,
) -> None:
    outputs = deployed.outputs()
    function = outputs["functions"]["slack"]["function_name"]
    (api,) = [a["url"] for a in deployed.control.apis() if a["name"] == "platform-local-api"]
    secret = deployed.client("secretsmanager").get_secret_value(SecretId="platform-local/slack-signing-secret")[
        "SecretString"
    ]
    # the weather site answers Slowtown after 10 s: the bot waits its 2 s budget, so the calls overlap
    slow = urlencode({"command": "/weather", "text": "Slowtown", "user_id": "U1"})
    cloudwatch = deployed.client("cloudwatch")
    with reserved_concurrency(deployed, function, 1):

        def post(delay: float) -> int:
            time.sleep(delay)
            return slack_post(api, secret, slow).status_code

        with ThreadPoolExecutor(3) as pool:
            statuses = sorted(pool.map(post, (0.0, 0.3, 0.6)))
        assert statuses == [200, 429, 429]

        def alarmed() -> dict[str, Any] | None:
            (alarm,) = cloudwatch.describe_alarms(AlarmNames=[f"{function}-throttles"])["MetricAlarms"]
            return alarm if alarm["StateValue"] == "ALARM" else None

        alarm = wait_for(alarmed, timeout=30)
    assert "Threshold Crossed" in alarm["StateReason"]
    datapoints = cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="Throttles", Dimensions=[{"Name": "FunctionName", "Value": function}],
        StartTime=time.time() - 600, EndTime=time.time() + 60, Period=600, Statistics=["Sum"],
    )["Datapoints"]  # fmt: skip
    assert sum(d["Sum"] for d in datapoints) == 2
