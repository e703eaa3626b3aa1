"""`invoke events.generate TRIGGER`: a valid event for every trigger the platform uses, shaped as AWS
delivers it, with the parts a test or a user wants to choose as parameters (as `sam local
generate-event` does). Printed as JSON, so it pipes into `invoke fn.invoke NAME -`."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

from toolchain.errors import ToolchainError

ACCOUNT = "123456789012"
REGION = "us-east-1"


@dataclass(frozen=True)
class Choices:
    """What a user may set; each trigger reads the ones that mean something to it."""

    bucket: str = "platform-local-media-123456789012"
    key: str = "uploads/photo.jpg"
    body: str = ""
    method: str = "GET"
    path: str = "/users"
    token: str = "Bearer <a JWT>"  # noqa: S105 - a placeholder shown to the user, not a secret
    arn: str = ""


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def s3(c: Choices) -> dict[str, Any]:
    body = c.body.encode()
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": REGION, "eventTime": _now_iso(),
        "eventName": "ObjectCreated:Put", "s3": {
            "s3SchemaVersion": "1.0", "bucket": {"name": c.bucket, "arn": f"arn:aws:s3:::{c.bucket}"},
            "object": {"key": quote_plus(c.key, safe="/"), "size": len(body), "eTag": hashlib.md5(body).hexdigest(),  # noqa: S324 - S3's ETag is an MD5
                       "sequencer": f"{time.time_ns():X}"}}}]}  # fmt: skip


def api(c: Choices) -> dict[str, Any]:
    request_id = str(uuid.uuid4())
    headers = {"Content-Type": "application/json", "Authorization": c.token} if c.body else {"Authorization": c.token}
    return {
        "resource": c.path, "path": c.path, "httpMethod": c.method.upper(), "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()}, "queryStringParameters": None,
        "multiValueQueryStringParameters": None, "pathParameters": None, "stageVariables": None,
        "requestContext": {"resourcePath": c.path, "httpMethod": c.method.upper(), "requestId": request_id,
                           "path": f"/local{c.path}", "stage": "local", "accountId": ACCOUNT, "apiId": "local",
                           "identity": {"sourceIp": "127.0.0.1"}, "requestTimeEpoch": int(time.time() * 1000)},
        "body": c.body or None, "isBase64Encoded": False,
    }  # fmt: skip


def authorizer(c: Choices) -> dict[str, Any]:
    method_arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:local/local/{c.method.upper()}{c.path}"
    return {"type": "TOKEN", "authorizationToken": c.token, "methodArn": method_arn}


def sqs(c: Choices) -> dict[str, Any]:
    arn = c.arn or f"arn:aws:sqs:{REGION}:{ACCOUNT}:platform-local-work"
    body = c.body or "{}"
    return {"Records": [{
        "messageId": str(uuid.uuid4()), "receiptHandle": base64.b64encode(uuid.uuid4().bytes).decode(), "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000)),
                       "SenderId": ACCOUNT, "ApproximateFirstReceiveTimestamp": str(int(time.time() * 1000))},
        "messageAttributes": {}, "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - SQS's own digest
        "eventSource": "aws:sqs", "eventSourceARN": arn, "awsRegion": REGION}]}  # fmt: skip


def sns(c: Choices) -> dict[str, Any]:
    topic = c.arn or f"arn:aws:sns:{REGION}:{ACCOUNT}:platform-local-order-events"
    return {"Records": [{
        "EventVersion": "1.0", "EventSource": "aws:sns", "EventSubscriptionArn": f"{topic}:{uuid.uuid4()}",
        "Sns": {"Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": topic, "Subject": None,
                "Message": c.body or "{}", "Timestamp": _now_iso(), "SignatureVersion": "1", "Signature": "",
                "SigningCertUrl": "", "UnsubscribeUrl": "", "MessageAttributes": {}}}]}  # fmt: skip


def kinesis(c: Choices) -> dict[str, Any]:
    stream = c.arn or f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/platform-local-orders"
    sequence = f"4959{time.time_ns():040d}"[:56]
    return {"Records": [{
        "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "p", "sequenceNumber": sequence,
                    "data": base64.b64encode((c.body or "{}").encode()).decode(),
                    "approximateArrivalTimestamp": time.time()},
        "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": f"shardId-000000000000:{sequence}",
        "eventName": "aws:kinesis:record", "awsRegion": REGION, "eventSourceARN": stream}]}  # fmt: skip


def schedule(c: Choices) -> dict[str, Any]:
    rule = c.arn or f"arn:aws:events:{REGION}:{ACCOUNT}:rule/platform-local-session-cleanup"
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": ACCOUNT, "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "region": REGION,
            "resources": [rule], "detail": {}}  # fmt: skip


def dynamodb(c: Choices) -> dict[str, Any]:
    table = c.arn or f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/platform-local-users/stream/2026-01-01T00:00:00.000"
    image = json.loads(c.body) if c.body else {"pk": {"S": "USER#42"}}
    return {"Records": [{
        "eventID": uuid.uuid4().hex, "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": REGION, "dynamodb": {"Keys": dict(list(image.items())[:1]), "NewImage": image,
                                          "ApproximateCreationDateTime": int(time.time()),
                                          "SequenceNumber": str(time.time_ns()), "SizeBytes": len(json.dumps(image)),
                                          "StreamViewType": "NEW_AND_OLD_IMAGES"},
        "eventSourceARN": table}]}  # fmt: skip


GENERATORS: dict[str, Callable[[Choices], dict[str, Any]]] = {
    "s3": s3, "api": api, "authorizer": authorizer, "sqs": sqs, "sns": sns, "kinesis": kinesis,
    "schedule": schedule, "dynamodb": dynamodb,
}  # fmt: skip


def generate(trigger: str, choices: Choices) -> dict[str, Any]:
    if trigger not in GENERATORS:
        raise ToolchainError(f"no trigger {trigger!r}", f"use one of: {', '.join(GENERATORS)}")
    if trigger == "dynamodb" and choices.body:
        try:
            json.loads(choices.body)
        except ValueError:
            raise ToolchainError("--body for a dynamodb event is the new image, as DynamoDB JSON") from None
    return GENERATORS[trigger](choices)
