"""S3 notifications, delivered as S3 delivers them: to the version the named alias runs (weights
applied, routing.py), asynchronously (invocations.py queues them), to functions, queues and topics
only while their policies allow S3 (destinations.py), and never failing the upload that caused them."""

from __future__ import annotations

import json
from typing import Any

from toolchain.emulator.awslambda.routing import invoked
from toolchain.emulator.iam.enforcement import ENFORCED, refused
from toolchain.emulator.iam.resource_policies import delivery_allowed
from toolchain.emulator.s3.destinations import queue_delivery_refusal, s3_invoker, topic_delivery_refusal


def notify_the_alias(original: Any, emulator: Any) -> Any:
    """moto.s3.notifications._invoke_awslambda: moto invoked the function's primary version inline."""
    from moto.awslambda.utils import get_backend

    def invoke_from_s3(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        bucket = _bucket_of(event_body)
        log = getattr(emulator, "log", None)
        if bucket and not delivery_allowed(fn_arn, s3_invoker(bucket, account_id), log, ENFORCED):
            return  # the permission went after the notification was put: S3's delivery fails, unseen
        try:
            invoked(get_backend(account_id, region_name), fn_arn).invoke(json.dumps(event_body), {}, {})
        except Exception:  # S3 delivers asynchronously: the upload succeeded whatever happens here
            return

    return invoke_from_s3


def queue_deliveries_allowed(original: Any, emulator: Any) -> Any:
    """moto.s3.notifications._send_sqs_message: only while the queue's policy and key let S3 send."""

    def send_sqs_message(account_id: str, event_body: Any, queue_name: str, region_name: str) -> None:
        bucket = _bucket_of(event_body)
        arn = f"arn:aws:sqs:{region_name}:{account_id}:{queue_name}"
        why = queue_delivery_refusal(arn, s3_invoker(bucket, account_id)) if bucket else None
        if why and not refused(getattr(emulator, "log", None), f"s3: a notification from {bucket} to {arn} failed",
                               why, ENFORCED):  # fmt: skip
            return
        original(account_id, event_body, queue_name, region_name)

    return send_sqs_message


def topic_deliveries_allowed(original: Any, emulator: Any) -> Any:
    """moto.s3.notifications._send_sns_message: only while the topic's policy and key let S3 publish."""

    def send_sns_message(account_id: str, event_body: Any, topic_arn: str, region_name: str) -> None:
        bucket = _bucket_of(event_body)
        why = topic_delivery_refusal(topic_arn, s3_invoker(bucket, account_id)) if bucket else None
        if why and not refused(getattr(emulator, "log", None),
                               f"s3: a notification from {bucket} to {topic_arn} failed", why, ENFORCED):  # fmt: skip
            return
        original(account_id, event_body, topic_arn, region_name)

    return send_sns_message


def _bucket_of(event_body: Any) -> str | None:
    try:
        return str(event_body["Records"][0]["s3"]["bucket"]["name"])
    except (KeyError, IndexError, TypeError):
        return None


def events_name_the_version(original: Any, emulator: Any) -> Any:
    """moto.s3.notifications._get_s3_event: S3's event names the object's version in a versioned
    bucket (`versionId`) and carries a `sequencer`; moto's had neither, so a handler reading the exact
    version it was told about (s3:GetObjectVersion on AWS) never did here."""
    import time

    def get_s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> Any:
        event = original(event_name, bucket, key, notification_id)
        target = event["Records"][0]["s3"]["object"]
        version = getattr(key, "version_id", None)
        if getattr(bucket, "is_versioned", False) and version and version != "null":
            target["versionId"] = str(version)
        target["sequencer"] = f"{time.time_ns():016X}"
        return event

    return get_s3_event
