"""`invoke events.generate`: every event it prints is one the platform's own parsers accept, with the
user's choices where the handlers read them."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote_plus

import pytest
from boto3.dynamodb.types import TypeDeserializer

from lambdas.common.events import parse_kinesis_event, parse_s3_event, parse_sns_event, parse_sqs_event
from lambdas.common.http import parse_request
from lambdas.services.authorizer import policy
from toolchain.errors import ToolchainError
from toolchain.events import GENERATORS, Choices, generate

ROOT = Path(__file__).resolve().parents[3]


def test_s3_keys_are_written_as_s3_writes_them_and_read_back_whole() -> None:
    event = generate("s3", Choices(bucket="media", key="uploads/été 2026/a+b.jpg", body="x" * 10))
    raw = event["Records"][0]["s3"]["object"]["key"]
    assert " " not in raw and "+" in raw and unquote_plus(raw) == "uploads/été 2026/a+b.jpg"
    [ref] = parse_s3_event(event)
    assert (ref.bucket, ref.key, ref.size) == ("media", "uploads/été 2026/a+b.jpg", 10)


def test_api_requests_carry_method_path_body_and_authorization() -> None:
    event = generate("api", Choices(method="post", path="/users", body='{"name": "Ada"}', token="Bearer t"))
    request = parse_request(event)
    assert (request.method, request.resource, request.body) == ("POST", "/users", b'{"name": "Ada"}')
    assert request.headers["authorization"] == "Bearer t"


def test_authorizer_events_name_a_stage_the_policy_can_scope() -> None:
    event = generate("authorizer", Choices(method="delete", path="/users/42", token="Bearer t"))
    assert event["type"] == "TOKEN" and event["authorizationToken"] == "Bearer t"
    assert policy.stage_arn(event["methodArn"]) is not None


@pytest.mark.parametrize("body", ["", '{"job": "resize"}', "not json at all"])
def test_queue_and_topic_messages_carry_the_body(body: str) -> None:
    arn = "arn:aws:sqs:eu-west-1:111122223333:work"
    [message] = parse_sqs_event(generate("sqs", Choices(body=body, arn=arn)))
    assert message.body == (body or "{}") and message.queue_arn == arn and message.receive_count == 1
    [note] = parse_sns_event(generate("sns", Choices(body=body)))
    assert note.message == (body or "{}") and note.topic_arn.startswith("arn:aws:sns:")


def test_kinesis_data_is_base64_of_the_body() -> None:
    [record] = parse_kinesis_event(generate("kinesis", Choices(body='{"order_id": "o-1"}')))
    assert json.loads(base64.b64decode(record.data)) == {"order_id": "o-1"}


def test_dynamodb_images_are_dynamodb_json() -> None:
    image = {"pk": {"S": "USER#7"}, "visits": {"N": "3"}}
    record = generate("dynamodb", Choices(body=json.dumps(image)))["Records"][0]
    new = {k: TypeDeserializer().deserialize(v) for k, v in record["dynamodb"]["NewImage"].items()}
    assert new == {"pk": "USER#7", "visits": 3} and record["dynamodb"]["Keys"] == {"pk": {"S": "USER#7"}}


def test_schedules_are_what_the_sweep_accepts_without_a_warning() -> None:
    event = generate("schedule", Choices())
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"


def test_every_generated_event_is_json_and_unknown_triggers_are_named() -> None:
    for trigger in GENERATORS:
        json.dumps(generate(trigger, Choices()))
    with pytest.raises(ToolchainError, match="no trigger 'ftp'"):
        generate("ftp", Choices())


def test_the_task_prints_json_a_pipe_can_read() -> None:
    result = subprocess.run([sys.executable, "-m", "invoke", "events.generate", "sqs", "--body", '{"a": 1}'],
                            cwd=ROOT, capture_output=True, text=True, check=True)  # fmt: skip
    [message] = parse_sqs_event(json.loads(result.stdout))
    assert json.loads(message.body) == {"a": 1}
