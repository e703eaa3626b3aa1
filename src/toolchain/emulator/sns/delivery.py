"""SNS delivering to Lambda as AWS delivers: the subscription's filter policy applied, the real topic
ARN, message id and message attributes in the event, the function invoked asynchronously (with its
retry policy and failure destination), only as the function's resource policy allows SNS; each
notification to a function or a queue counted as delivered or failed in AWS/SNS. moto sent a fixed
placeholder event, synchronously, without the attributes.
"""

from __future__ import annotations

import time
from typing import Any

from toolchain.emulator.awslambda.routing import invoked
from toolchain.emulator.iam.enforcement import ENFORCED, refused
from toolchain.emulator.iam.resource_policies import Invoker, delivery_allowed
from toolchain.emulator.iam.service_keys import queue_refusal
from toolchain.emulator.sns.metrics import notification
from toolchain.emulator.timestamps import iso


def publish_to_lambda(original: Any, emulator: Any) -> Any:
    """Subscription.publish, delivering to a Lambda endpoint as SNS does (the module's docstring)."""
    import json

    from moto.awslambda.utils import get_backend

    def publish(self: Any, message: str, message_id: str, subject: str | None = None,
                message_attributes: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> None:  # fmt: skip
        if self.protocol == "sqs" and not _queue_accepts(self, emulator):
            notification(self.topic.arn, delivered=False)
            return None
        if self.protocol != "lambda":
            if self.protocol == "sqs":
                notification(self.topic.arn, delivered=True)
            return original(self, message, message_id, subject, message_attributes, *args, **kwargs)
        if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(
            message_attributes, message
        ):
            return None
        # moto keeps attributes as {"Type", "Value"}: the shape SNS puts in a Lambda event.
        attributes = {
            name: {"Type": value.get("Type", "String"), "Value": value.get("Value")}
            for name, value in (message_attributes or {}).items()
        }
        event = {
            "Records": [
                {
                    "EventVersion": "1.0",
                    "EventSubscriptionArn": self.arn,
                    "EventSource": "aws:sns",
                    "Sns": {
                        "Type": "Notification",
                        "MessageId": message_id,
                        "TopicArn": self.topic.arn,
                        "Subject": subject,
                        "Message": message,
                        "Timestamp": iso(time.time()),
                        "SignatureVersion": "1",
                        "Signature": "EMULATOR",
                        "SigningCertUrl": "",
                        "UnsubscribeUrl": "",
                        "MessageAttributes": attributes,
                    },
                }
            ]
        }
        invoker = Invoker("sns.amazonaws.com", self.topic.arn, self.account_id)
        allowed = delivery_allowed(self.endpoint, invoker, getattr(emulator, "log", None), ENFORCED)
        notification(self.topic.arn, delivered=allowed)
        if not allowed:
            return None
        region = self.endpoint.split(":")[3]
        function = invoked(get_backend(self.account_id, region), self.endpoint)
        emulator.invoker.submit(function, json.dumps(event), "aws:sns")
        return None

    return publish


def _queue_accepts(subscription: Any, emulator: Any) -> bool:
    """SNS delivers to a queue only with its key and its policy's leave (service_keys.py); a refused
    delivery is lost for the publisher, who is not told, as on AWS."""
    from moto.sqs.models import sqs_backends

    region, name = subscription.endpoint.split(":")[3], subscription.endpoint.split(":")[-1]
    try:
        queue = sqs_backends[subscription.account_id][region].get_queue(name)
    except Exception:  # no such queue: moto's own delivery reports it
        return True
    refusal = queue_refusal(queue, Invoker("sns.amazonaws.com", subscription.topic.arn, subscription.account_id))
    if refusal is None:
        return True
    what = f"sns: a delivery from {subscription.topic.arn} to {subscription.endpoint} failed"
    return refused(getattr(emulator, "log", None), what, refusal)
