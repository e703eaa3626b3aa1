"""Event source mappings as Lambda keeps them: read by pollers, invoking the alias they name.

moto pushes to a mapping from inside the write that feeds it: one invocation per Kinesis record
inside PutRecord, the SQS mapping inside SendMessage (in the sender's request), every DynamoDB
stream record inside the table write. The emulator's pollers (kinesis.py, sqs.py, dynamodb.py) read
instead, as Lambda's pollers do; these overrides of moto's Lambda backend stop the pushes and hand
DynamoDB stream records to the poller's queue. A mapping on an alias also keeps invoking whatever
version the alias names at the time, as Lambda's does (moto kept the version it found at creation).
"""

from __future__ import annotations

from typing import Any

from toolchain.emulator.awslambda.routing import keep_the_alias
from toolchain.emulator.event_sources.permissions import refused_actions, source_service
from toolchain.emulator.iam.resource_based import queue_at


class PolledMappings:
    """Mixin for moto's LambdaBackend (registered in emulator/patches.py)."""

    emulator: Any

    def create_event_source_mapping(self, spec: dict[str, Any]) -> Any:
        from moto.sqs.models import sqs_backends

        self._check_role_reads(spec)
        self._check_visibility(spec)
        esm = super().create_event_source_mapping(spec)  # type: ignore[misc]
        keep_the_alias(self, esm, spec)
        for queue in sqs_backends[self.account_id][self.region_name].queues.values():  # type: ignore[attr-defined]
            if queue.queue_arn == esm.event_source_arn:
                queue.lambda_event_source_mappings.clear()  # the SQS poller delivers, not SendMessage
        return esm

    def _check_role_reads(self, spec: dict[str, Any]) -> None:
        """Lambda refuses a mapping whose function's role cannot read its source, naming the actions."""
        from moto.awslambda.exceptions import InvalidParameterValueException

        source = str(spec.get("EventSourceArn") or "")
        try:
            function = self.get_function(str(spec.get("FunctionName") or ""))  # type: ignore[attr-defined]
        except Exception:  # moto's own error for an unknown function follows in super()
            return
        missing = refused_actions(getattr(self.emulator, "iam", None), function.role, function.function_name, source)
        if missing:
            what = "SQS" if source_service(source) == "sqs" else "your stream"
            raise InvalidParameterValueException(
                f"The provided execution role does not have permissions to call {', '.join(missing)} on {what} "
                f"({source}): add them to the function's policy_statements"
            )

    def _check_visibility(self, spec: dict[str, Any]) -> None:
        """Lambda refuses an SQS mapping whose queue would show a message again while the function may
        still be running it (a visibility timeout shorter than the function's timeout)."""
        from moto.awslambda.exceptions import InvalidParameterValueException

        source = str(spec.get("EventSourceArn") or "")
        if source_service(source) != "sqs":
            return
        try:
            function = self.get_function(str(spec.get("FunctionName") or ""))  # type: ignore[attr-defined]
        except Exception:  # an unknown function: moto's own error follows in super()
            return
        queue = queue_at(source)
        if queue is not None and int(queue.visibility_timeout) < int(function.timeout):
            raise InvalidParameterValueException(
                f"Queue visibility timeout: {int(queue.visibility_timeout)} seconds is less than Function timeout: "
                f"{int(function.timeout)} seconds"
            )

    def update_event_source_mapping(self, uuid: str, spec: dict[str, Any]) -> Any:
        esm = super().update_event_source_mapping(uuid, spec)  # type: ignore[misc]
        if esm is not None:
            keep_the_alias(self, esm, spec)
        return esm

    def send_kinesis_message(self, *args: Any, **kwargs: Any) -> None:
        return None  # the Kinesis poller reads the shards

    def send_dynamodb_items(self, function_arn: str, items: list[Any], source: str) -> str:
        self.emulator.dynamodb_streams.queue(self, function_arn, items, source)
        return "queued"  # truthy: moto forgets the records it handed over
