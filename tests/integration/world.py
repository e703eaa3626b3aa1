"""Every resource every handler needs, in moto, and a snapshot of all the data in it.

The hostile-input and fault tests run each handler against this one world and compare snapshots:
whatever a handler refused must leave every table, bucket, queue and workflow as it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from lambdas.common import settings
from tests import tokens

REGION = "us-east-1"
SLACK_SECRET = "slack-signing-secret-for-tests-0123456789"
WORKFLOW = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def table(name: str, key: str, sort: str | None = None, ttl: str | None = None, **extra: Any) -> None:
    schema = [{"AttributeName": key, "KeyType": "HASH"}] + (
        [{"AttributeName": sort, "KeyType": "RANGE"}] if sort else []
    )
    names = {a["AttributeName"] for a in schema} | set(extra.pop("attributes", ()))
    client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=schema,
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in sorted(names)], **extra,
    )  # fmt: skip
    if ttl:
        client("dynamodb").update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True,
                                                                                       "AttributeName": ttl})  # fmt: skip


def remembered_days(table_name: str) -> set[float]:
    """How long (in days, to the minute) each completed idempotency record in `table_name` is kept:
    Powertools writes `expiration` as the epoch second it may go."""
    import time

    items = client("dynamodb").scan(TableName=table_name)["Items"]
    return {round((int(i["expiration"]["N"]) - time.time()) / 60) / (24 * 60)
            for i in items if i.get("status", {}).get("S") == "COMPLETED"}  # fmt: skip


def subscribed_queue(name: str) -> tuple[str, str]:
    topic = client("sns").create_topic(Name=name)["TopicArn"]
    queue = client("sqs").create_queue(QueueName=name)["QueueUrl"]
    arn = client("sqs").get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    client("sns").subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    return topic, queue


def fresh_container() -> None:
    """Forget what a warm Lambda container keeps (clients, settings, adapters built once): every
    `functools.cache` in the runtime's modules, as a new container would start without them."""
    import sys

    settings.clear_cached()
    for name, module in list(sys.modules.items()):
        if not name.startswith("lambdas.") or module is None:
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def clear_caches() -> None:
    """Settings, clients and adapters are cached per container; each test is a fresh container."""
    fresh_container()


@dataclass
class World:
    env: dict[str, str]
    work_queue_arn: str
    alert_queues: list[str]

    def snapshot(self) -> dict[str, Any]:
        """All data: table items, objects (with their ETags), queued messages, workflow executions."""
        state: dict[str, Any] = {}
        ddb = client("dynamodb")
        for name in ddb.list_tables()["TableNames"]:
            items = [i for page in ddb.get_paginator("scan").paginate(TableName=name) for i in page["Items"]]
            state[f"table {name}"] = sorted(json.dumps(i, sort_keys=True) for i in items)
        s3 = client("s3")
        for bucket in s3.list_buckets()["Buckets"]:
            objects = s3.list_objects_v2(Bucket=bucket["Name"]).get("Contents", [])
            state[f"bucket {bucket['Name']}"] = sorted((o["Key"], o["ETag"]) for o in objects)
        sqs = client("sqs")
        for url in sqs.list_queues().get("QueueUrls", []):
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                                                  "ApproximateNumberOfMessagesNotVisible"])  # fmt: skip
            state[f"queue {url}"] = attributes["Attributes"]
        sfn = client("stepfunctions")
        for machine in sfn.list_state_machines()["stateMachines"]:
            state[f"workflow {machine['name']}"] = len(
                sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
            )
        return state


def build_world(monkeypatch: pytest.MonkeyPatch, base_url: str) -> World:
    """Create the resources in the (already active) moto backend and point every setting at them."""
    sm = client("secretsmanager")
    jwt_arn = sm.create_secret(Name="jwt", SecretString=tokens.SECRET)["ARN"]
    slack_arn = sm.create_secret(Name="slack", SecretString=SLACK_SECRET)["ARN"]
    cursor_arn = sm.create_secret(Name="users-cursor", SecretString="k" * 48)["ARN"]
    table("users", "pk", attributes=("entity", "listKey"), GlobalSecondaryIndexes=[{
        "IndexName": "byEntity", "Projection": {"ProjectionType": "ALL"},
        "KeySchema": [{"AttributeName": "entity", "KeyType": "HASH"}, {"AttributeName": "listKey", "KeyType": "RANGE"}],
    }])  # fmt: skip
    table("sales", "id")
    table("sessions", "sessionId", ttl="expiresAt")
    table("prices", "productId", sort="observedAt")
    table("idempotency", "id", ttl="expiration")
    table("fulfilments", "jobId")
    table("order-status", "orderId")
    s3 = client("s3")
    for bucket in ("media", "data"):
        s3.create_bucket(Bucket=bucket)
    sqs = client("sqs")
    dlq = sqs.create_queue(QueueName="work-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    work = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "30", "RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})})["QueueUrl"]  # fmt: skip
    work_arn = sqs.get_queue_attributes(QueueUrl=work, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    alerts, alert_queue = subscribed_queue("alerts")
    events, events_queue = subscribed_queue("order-events")
    role = client("iam").create_role(RoleName="sfn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    machine = client("stepfunctions").create_state_machine(name="orders", definition=WORKFLOW, roleArn=role)
    products = [{"id": "p-ok", "url": f"{base_url}/ok"}]
    client("ssm").put_parameter(Name="/products", Value=json.dumps(products), Type="String")
    env = {
        "USERS_TABLE": "users", "CORS_ALLOWED_ORIGINS": "https://app.example.com", "USERS_CURSOR_SECRET_ID": cursor_arn,
        "JWT_MODE": "hs256", "JWT_SECRET_ID": jwt_arn, "JWT_ISSUER": tokens.ISSUER, "JWT_AUDIENCE": tokens.AUDIENCE,
        "SLACK_SIGNING_SECRET_ID": slack_arn, "WEATHER_URL": f"{base_url}/weather/{{place}}",
        "WEATHER_TIMEOUT_SECONDS": "1", "STATUS_TABLES": "users", "STATUS_FUNCTIONS": "none",
        "SALES_TABLE": "sales", "SESSIONS_TABLE": "sessions", "SWEEP_PAGE_SIZE": "100",
        "ALERTS_TOPIC_ARN": alerts, "IDEMPOTENCY_TABLE": "idempotency", "ORDER_ALERT_THRESHOLD": "1000",
        "PRODUCTS_PARAMETER": "/products", "PRICES_TABLE": "prices", "SCRAPER_ALLOW_HOSTS": "127.0.0.1",
        "SCRAPER_HOST_DELAY_SECONDS": "0", "SCRAPER_TIMEOUT_SECONDS": "1",
        "WORK_QUEUE_URL": work, "WORKFLOW_ARN": machine["stateMachineArn"], "FULFILMENTS_TABLE": "fulfilments",
        "ORDER_STATUS_TABLE": "order-status", "ORDER_EVENTS_TOPIC_ARN": events,
    }  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    clear_caches()
    return World(env, work_arn, [alert_queue, events_queue])
