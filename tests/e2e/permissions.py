"""The platform's paths, each fired through its real trigger, for the permission-mutation check.

A path fires and returns; whether it needed a grant is read from the emulator (a denial logged),
not from the path's own result, so every path tolerates failing: under a mutation it is meant to.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests

from lambdas.services.slack.signature import sign
from tests import tokens
from toolchain.demo import sample_jpeg
from toolchain.deploy.release import ALIAS
from toolchain.events import Choices, generate

from .conftest import Deployed
from .releases import released

PREFIX = "platform-local-"
ACCOUNT = "123456789012"
MISSING = f"{PREFIX}missing"  # what the failing-action paths point a function at
CSV = b"id,date,amount,region,product\nmut-1,2026-11-01,10.00,eu,Kettle\n"


@dataclass
class Paths:
    deployed: Deployed
    api: str
    secret: str
    slack_secret: str
    scrapes: int = 0

    def _auth(self) -> dict[str, str]:
        # a new subject each time: the authorizer's answer is cached per token
        return {"Authorization": "Bearer " + tokens.hs256(self.secret, sub=f"mutation-{time.time_ns()}")}

    def users(self) -> None:
        auth, n = self._auth(), time.time_ns()
        for i in range(2):
            requests.post(f"{self.api}/users", json={"name": f"Mut {i}", "email": f"mut-{n}-{i}@example.com"},
                          headers=auth, timeout=30)  # fmt: skip
        page = requests.get(f"{self.api}/users?limit=1", headers=auth, timeout=30)
        found = page.json().get("items") if page.status_code == 200 else None
        if page.status_code == 200 and page.json().get("next"):
            requests.get(f"{self.api}/users?limit=1&next={page.json()['next']}", headers=auth, timeout=30)
        if found:
            user = found[0]["userId"]
            requests.get(f"{self.api}/users/{user}", headers=auth, timeout=30)
            requests.patch(f"{self.api}/users/{user}", json={"email": f"moved-{n}@example.com"}, headers=auth,
                           timeout=30)  # fmt: skip
            requests.delete(f"{self.api}/users/{user}", headers=auth, timeout=30)

    def slack(self) -> None:
        body = urlencode({"command": "/status"})
        ts = str(int(time.time()))
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
                   "X-Slack-Signature": sign(self.slack_secret.encode(), ts, body.encode())}  # fmt: skip
        requests.post(f"{self.api}/slack/commands", data=body.encode(), headers=headers, timeout=30)

    def order(self) -> None:
        order = {"customerId": "c-mut", "items": [{"sku": "kettle", "quantity": 1, "unitPrice": "49.90"}]}
        requests.post(f"{self.api}/orders", json=order, headers=self._auth(), timeout=30)
        self.deployed.control.wait_idle(60)  # the worker takes the order's job and starts the workflow
        self._workflows_done()

    def work(self) -> None:
        """A job and a poison message: the worker records one and backs the other off."""
        sqs = self.deployed.client("sqs")
        url = sqs.get_queue_url(QueueName=f"{PREFIX}work")["QueueUrl"]
        job = f"mut-{time.time_ns()}"
        body = json.dumps({"jobId": job, "orderId": job, "customerId": "c-mut", "total": "20.00",
                           "items": [{"sku": "mug", "quantity": 2, "unitPrice": "10.00"}]})  # fmt: skip
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "job", "MessageBody": body},
                                                      {"Id": "poison", "MessageBody": "{not json"}])  # fmt: skip

    def upload(self) -> None:
        bucket = self.deployed.outputs()["media_bucket_name"]
        self.deployed.client("s3").put_object(Bucket=bucket, Key=f"uploads/mut/{time.time_ns()}.jpg",
                                              Body=sample_jpeg(), ContentType="image/jpeg")  # fmt: skip

    def by_hand(self, function: str, bucket_output: str, key: str, body: bytes) -> Callable[[], None]:
        """The object stored, then the function invoked with the event `invoke events.generate s3` makes
        (no versionId, as a hand-made event has none: the object is read as its latest version)."""

        def fire() -> None:
            bucket = self.deployed.outputs()[bucket_output]
            unique = key.replace("*", str(time.time_ns()))
            self.deployed.client("s3").put_object(Bucket=bucket, Key=unique, Body=body)
            self.deployed.control.wait_async(60)  # the upload's own notification first
            event = generate("s3", Choices(bucket=bucket, key=unique))
            self.deployed.client("lambda").invoke(FunctionName=f"{PREFIX}{function}", Qualifier=ALIAS,
                                                  Payload=json.dumps(event).encode())  # fmt: skip

        return fire

    def csv(self) -> None:
        bucket = self.deployed.outputs()["data_bucket_name"]
        self.deployed.client("s3").put_object(Bucket=bucket, Key=f"incoming/mut/{time.time_ns()}.csv", Body=CSV)

    def big_order(self) -> None:
        order = {"orderId": f"mut-{time.time_ns()}", "customerId": "c-1", "amount": "1500.00", "currency": "USD"}
        self.deployed.client("kinesis").put_record(StreamName=self.deployed.outputs()["orders_stream_name"],
                                                   Data=json.dumps(order).encode(), PartitionKey="p")  # fmt: skip

    def garbage_order(self) -> None:
        self.deployed.client("kinesis").put_record(StreamName=self.deployed.outputs()["orders_stream_name"],
                                                   Data=b"not an order", PartitionKey="p")  # fmt: skip

    def sweep(self) -> None:
        ddb, now = self.deployed.client("dynamodb"), int(time.time())
        ddb.put_item(TableName=f"{PREFIX}sessions", Item={"sessionId": {"S": f"mut-{time.time_ns()}"},
                                                           "expiresAt": {"N": str(now - 10)}})  # fmt: skip
        self.deployed.control.fire(f"{PREFIX}session-cleanup")

    def scrape(self) -> None:
        """The scraper run on the kettle at $2,000, then below $1,500: a price drop, an alert (a new
        price each time, as an alert is sent once per drop)."""
        endpoint = self.deployed.control.require().endpoint
        self.scrapes += 1
        requests.put(f"{endpoint}/_sites/shop/products/kettle", json={"price": "$2,000.00"}, timeout=5)
        self.deployed.control.fire(f"{PREFIX}price-scraper")
        self.deployed.control.wait_async(60)
        requests.put(f"{endpoint}/_sites/shop/products/kettle", json={"price": f"${1500 - self.scrapes}.00"}, timeout=5)
        self.deployed.control.fire(f"{PREFIX}price-scraper")

    def publish(self) -> None:
        self.deployed.client("sns").publish(
            TopicArn=self.deployed.outputs()["order_events_topic_arn"],
            Message=json.dumps({"order_id": f"mut-{time.time_ns()}", "customer_id": "c-1"}),
            MessageAttributes={"event_type": {"DataType": "String", "StringValue": "order.completed"}},
        )

    def bad_order(self) -> None:
        """An order whose total does not add up: the workflow's Catch records the failure."""
        name = f"mut-bad-{time.time_ns()}"
        bad = {"order": {"orderId": name, "customerId": "c-1", "total": "1.00",
                         "items": [{"sku": "kettle", "quantity": 1, "unitPrice": "49.90"}]}, "correlation_id": name}  # fmt: skip
        self.deployed.client("stepfunctions").start_execution(
            stateMachineArn=self.deployed.outputs()["order_workflow_arn"], name=name, input=json.dumps(bad)
        )
        self._workflows_done()

    def _workflows_done(self, seconds: float = 60) -> None:
        """Until no execution of the order workflow runs (the emulator's idle does not count them)."""
        sfn, deadline = self.deployed.client("stepfunctions"), time.monotonic() + seconds
        machine = self.deployed.outputs()["order_workflow_arn"]
        while sfn.list_executions(stateMachineArn=machine, statusFilter="RUNNING")["executions"]:
            if time.monotonic() > deadline:
                return
            time.sleep(0.2)

    def failing_action(
        self, function: str, variable: str, value: str, trigger: Callable[[], None]
    ) -> Callable[[], None]:
        """`trigger` while the function's `live` has `variable` pointing elsewhere, so its action fails
        after claiming the event's key: Powertools releases the claim (DeleteItem) for a redelivery."""

        def fire() -> None:
            name = f"{PREFIX}{function}"
            client = self.deployed.client("lambda")
            variables = client.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
            with released(self.deployed, name, Environment={"Variables": {**variables, variable: value}}):
                trigger()
                self.deployed.control.wait_idle(60)  # pollers included: the failing version must be the one run

        return fire

    def failing(self, function: str, trigger: Callable[[], None]) -> Callable[[], None]:
        """`trigger` while the function's `live` runs a handler that cannot be imported (a bad deploy):
        its failure goes to the on-failure destination after Lambda's retries."""

        def fire() -> None:
            with released(self.deployed, f"{PREFIX}{function}", Handler="broken_deploy.lambda_handler"):
                trigger()
                self.deployed.control.wait_async(60)  # (each trigger it is used with invokes asynchronously)

        return fire

    def mapping(self, function: str, source_arn: str, **extra: Any) -> Callable[[], None]:
        """Lambda's check of the role when a mapping is created (as Terraform creates it)."""

        def fire() -> None:
            client = self.deployed.client("lambda")
            try:
                made = client.create_event_source_mapping(EventSourceArn=source_arn, FunctionName=f"{PREFIX}{function}",
                                                          Enabled=False, **extra)  # fmt: skip
            except client.exceptions.InvalidParameterValueException:
                return
            client.delete_event_source_mapping(UUID=made["UUID"])

        return fire

    def by_role(self) -> dict[str, list[Callable[[], None]]]:
        """Each function (as `outputs` names it) -> the paths that run it (the first that needs a grant shows it)."""
        work_queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:{PREFIX}work"
        stream = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{self.deployed.outputs()['orders_stream_name']}"
        workflow = [self.order]
        missing_topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:{MISSING}"
        missing_machine = f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:{MISSING}"
        return {
            "users": [self.users],
            "authorizer": [self.users],
            "slack": [self.slack],
            "checkout": [self.order],
            "worker": [
                self.work,
                self.order,
                self.mapping("worker", work_queue),
                self.failing_action("worker", "WORKFLOW_ARN", missing_machine, self.work),
            ],
            "workflow-validate": workflow,
            "workflow-process": workflow,
            "workflow-notify": workflow,
            "workflow-failed": [self.bad_order],
            "notifications": [self.publish, self.failing("notifications", self.publish)],
            "order-stream": [
                self.big_order,
                self.garbage_order,
                self.mapping("orders", stream, StartingPosition="LATEST"),
                self.failing_action("orders", "ALERTS_TOPIC_ARN", missing_topic, self.big_order),
            ],
            "thumbnails": [
                self.upload,
                self.failing("thumbnails", self.upload),
                self.by_hand("thumbnails", "media_bucket_name", "uploads/mut/*.jpg", sample_jpeg()),
            ],
            "etl": [
                self.csv,
                self.failing("etl", self.csv),
                self.by_hand("etl", "data_bucket_name", "incoming/mut/*.csv", CSV),
            ],
            "sessions": [self.sweep, self.failing("sessions", self.sweep)],
            "scraper": [
                self.scrape,
                self.failing("scraper", self.scrape),
                self.failing_action("scraper", "ALERTS_TOPIC_ARN", missing_topic, self.scrape),
            ],
        }
