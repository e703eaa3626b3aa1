"""S3 notifications reach a function, a queue or a topic only as its policy allows.

AWS checks when the bucket's notification configuration is put: a function whose policy does not let
s3.amazonaws.com invoke it from that bucket, or a queue or topic whose policy (or key) does not let
S3 send to it, makes PutBucketNotificationConfiguration fail ("Unable to validate the following
destination configurations"), which is why Terraform needs the `aws_lambda_permission` or the queue
policy first (`depends_on`). A permission removed afterwards makes each delivery fail instead,
silently for the uploader.
"""

from __future__ import annotations

from typing import Any

from toolchain.emulator.iam.enforcement import refused
from toolchain.emulator.iam.resource_based import queue_at, topic_at
from toolchain.emulator.iam.resource_policies import Invoker, may_invoke, permission_hint
from toolchain.emulator.iam.service_keys import queue_refusal, topic_refusal

S3 = "s3.amazonaws.com"


def s3_invoker(bucket_name: str, account_id: str) -> Invoker:
    return Invoker(S3, f"arn:aws:s3:::{bucket_name}", account_id)


def _arns(config: dict[str, Any], kind: str) -> list[str]:
    entries = config.get(f"{kind}Configuration") or []
    return [str(e.get(kind) or "") for e in (entries if isinstance(entries, list) else [entries]) if e.get(kind)]


def unallowed_functions(config: dict[str, Any], invoker: Invoker) -> list[str]:
    """The function ARNs of a notification configuration that may not be invoked by `invoker`."""
    return [arn for arn in _arns(config, "CloudFunction") if may_invoke(arn, invoker) is None]


def queue_delivery_refusal(queue_arn: str, invoker: Invoker) -> str | None:
    """Why S3 cannot send to the queue (None when it can, or the queue does not exist: moto says so)."""
    queue = queue_at(queue_arn)
    return queue_refusal(queue, invoker) if queue is not None else None


def topic_delivery_refusal(topic_arn: str, invoker: Invoker) -> str | None:
    topic = topic_at(topic_arn)
    return topic_refusal(topic, invoker) if topic is not None else None


def unallowed_targets(config: dict[str, Any], invoker: Invoker) -> list[str]:
    """Why each queue and topic of a notification configuration refuses `invoker`."""
    found = [queue_delivery_refusal(arn, invoker) for arn in _arns(config, "Queue")]
    found += [topic_delivery_refusal(arn, invoker) for arn in _arns(config, "Topic")]
    return [why for why in found if why]


class ValidatedDestinations:
    """Mixin for moto's S3Backend."""

    emulator: Any

    def put_bucket_notification_configuration(self, bucket_name: str, notification_config: dict[str, Any]) -> None:
        invoker = s3_invoker(bucket_name, self.account_id)  # type: ignore[attr-defined]
        unallowed = unallowed_functions(notification_config or {}, invoker)
        reasons = unallowed_targets(notification_config or {}, invoker)
        if unallowed:
            hints = "; ".join(f"add {permission_hint(arn, invoker)}" for arn in unallowed)
            who = f"{', '.join(unallowed)} lets {S3} invoke it from {invoker.source_arn}"
            reasons.insert(0, f"no statement of the resource policy of {who}; {hints}")
        what = f"s3: PutBucketNotificationConfiguration on {bucket_name}"
        if reasons and not refused(getattr(self.emulator, "log", None), what, "; ".join(reasons)):
            from moto.s3.exceptions import S3ClientError

            raise S3ClientError("InvalidArgument", "Unable to validate the following destination configurations")
        super().put_bucket_notification_configuration(bucket_name, notification_config)  # type: ignore[misc]
