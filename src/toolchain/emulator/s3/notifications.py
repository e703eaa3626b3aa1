"""S3 notifications to Lambda, delivered as S3 delivers them: to the version the named alias runs
(weights applied, routing.py), asynchronously (invocations.py queues them), and never failing the
upload that caused them."""

from __future__ import annotations

import json
from typing import Any

from toolchain.emulator.awslambda.routing import invoked


def notify_the_alias(original: Any, emulator: Any) -> Any:
    """moto.s3.notifications._invoke_awslambda: moto invoked the function's primary version inline."""
    from moto.awslambda.utils import get_backend

    def invoke_from_s3(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        try:
            invoked(get_backend(account_id, region_name), fn_arn).invoke(json.dumps(event_body), {}, {})
        except Exception:  # S3 delivers asynchronously: the upload succeeded whatever happens here
            return

    return invoke_from_s3
