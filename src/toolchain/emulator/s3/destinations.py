"""S3 notifications reach a function only as its resource policy allows.

AWS checks when the bucket's notification configuration is put: a function whose policy does not let
s3.amazonaws.com invoke it from that bucket makes PutBucketNotificationConfiguration fail ("Unable
to validate the following destination configurations"), which is why Terraform needs the
`aws_lambda_permission` first (`depends_on`). A permission removed afterwards makes each delivery
fail instead, silently for the uploader.
"""

from __future__ import annotations

from typing import Any

from toolchain.emulator.iam.enforcement import refused
from toolchain.emulator.iam.resource_policies import Invoker, may_invoke, permission_hint

S3 = "s3.amazonaws.com"


def s3_invoker(bucket_name: str, account_id: str) -> Invoker:
    return Invoker(S3, f"arn:aws:s3:::{bucket_name}", account_id)


def unallowed_functions(config: dict[str, Any], invoker: Invoker) -> list[str]:
    """The function ARNs of a notification configuration that may not be invoked by `invoker`."""
    entries = config.get("CloudFunctionConfiguration") or []
    arns = [entry.get("CloudFunction", "") for entry in (entries if isinstance(entries, list) else [entries])]
    return [arn for arn in arns if arn and may_invoke(arn, invoker) is None]


class ValidatedDestinations:
    """Mixin for moto's S3Backend."""

    emulator: Any

    def put_bucket_notification_configuration(self, bucket_name: str, notification_config: dict[str, Any]) -> None:
        invoker = s3_invoker(bucket_name, self.account_id)  # type: ignore[attr-defined]
        unallowed = unallowed_functions(notification_config or {}, invoker)
        if unallowed:
            hints = "; ".join(f"add {permission_hint(arn, invoker)}" for arn in unallowed)
            who = f"{', '.join(unallowed)} lets {S3} invoke it from {invoker.source_arn}"
            if not refused(getattr(self.emulator, "log", None),
                           f"s3: PutBucketNotificationConfiguration on {bucket_name}",
                           f"no statement of the resource policy of {who}; {hints}"):  # fmt: skip
                from moto.s3.exceptions import S3ClientError

                raise S3ClientError("InvalidArgument", "Unable to validate the following destination configurations")
        super().put_bucket_notification_configuration(bucket_name, notification_config)  # type: ignore[misc]
