"""`invoke events.*`: sample events for every trigger, shaped as AWS delivers them."""

from __future__ import annotations

import json

from invoke import Context

from toolchain.cli.common import platform_task, say


@platform_task(
    name="generate",
    help={
        "trigger": "s3, api, authorizer, sqs, sns, kinesis, schedule or dynamodb",
        "bucket": "s3: the bucket",
        "key": "s3: the object key (written URL-encoded, as S3 does)",
        "body": "the payload: the request body (api), message (sqs, sns), record data (kinesis), new image (dynamodb)",
        "method": "api, authorizer: the HTTP method",
        "path": "api, authorizer: the resource path",
        "token": "api, authorizer: the Authorization header",
        "arn": "the source's ARN: queue, topic, stream, table stream or rule",
    },
)
def generate(
    c: Context,
    trigger: str,
    bucket: str = "",
    key: str = "",
    body: str = "",
    method: str = "",
    path: str = "",
    token: str = "",
    arn: str = "",
) -> None:
    """Print a valid event for a trigger, to edit or pipe: `invoke events.generate sqs | invoke fn.invoke worker -`."""
    from dataclasses import fields

    from toolchain.cli.common import failures_as_exit
    from toolchain.events import Choices, generate

    given = {"bucket": bucket, "key": key, "body": body, "method": method, "path": path, "token": token, "arn": arn}
    choices = Choices(**{f.name: given[f.name] for f in fields(Choices) if given[f.name]})
    with failures_as_exit():
        say(json.dumps(generate(trigger, choices), indent=2))
