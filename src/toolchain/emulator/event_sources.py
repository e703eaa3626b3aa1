"""Event source mappings polled as Lambda polls them (moto pushes one record per invocation instead).

Kinesis: each mapping reads each shard in order from its starting position, in batches of
`BatchSize`, and checkpoints after a batch succeeds. A failing batch is split in two and each half
retried when `BisectBatchOnFunctionError` is set; a batch that still fails after
`MaximumRetryAttempts` (or holds records older than `MaximumRecordAgeInSeconds`) is described to
the on-failure destination and skipped, so one bad record never blocks its shard (that policy is
shared with DynamoDB streams: stream_batches.py).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from toolchain.emulator.executor import Invocation
from toolchain.emulator.invocations import Destinations, InvocationLog
from toolchain.emulator.routing import invoked, keep_the_alias
from toolchain.emulator.stream_batches import StreamDelivery, iso
from toolchain.emulator.tracing import STORE, Segment, TraceHeader, continuing

THROTTLE_BACKOFF_SECONDS = 1  # a throttled SQS batch is visible again after this

Run = Callable[[Any, str], Invocation]


def disable_push_delivery() -> None:
    """moto invokes Kinesis mappings once per record inside PutRecord, and SQS mappings inside SendMessage
    (in the sender's request); the pollers replace both."""
    from moto.awslambda.models import LambdaBackend
    from moto.sqs.models import sqs_backends

    LambdaBackend.send_kinesis_message = lambda self, *args, **kwargs: None
    create, update = LambdaBackend.create_event_source_mapping, LambdaBackend.update_event_source_mapping

    def create_event_source_mapping(self: Any, spec: dict[str, Any]) -> Any:
        esm = create(self, spec)
        keep_the_alias(self, esm, spec)
        for queue in sqs_backends[self.account_id][self.region_name].queues.values():
            if queue.queue_arn == esm.event_source_arn:
                queue.lambda_event_source_mappings.clear()
        return esm

    def update_event_source_mapping(self: Any, uuid: str, spec: dict[str, Any]) -> Any:
        esm = update(self, uuid, spec)
        if esm is not None:
            keep_the_alias(self, esm, spec)
        return esm

    LambdaBackend.create_event_source_mapping = create_event_source_mapping
    LambdaBackend.update_event_source_mapping = update_event_source_mapping


@dataclass(frozen=True)
class KinesisShard:
    """A Kinesis shard's batch, (sequence number, record) pairs, as Lambda shapes it."""

    stream: Any
    shard_id: str
    event_source: str = "aws:kinesis"

    def arrival(self, item: tuple[int, Any]) -> float:
        return float(item[1].created_at)

    def event(self, function: Any, batch: list[tuple[int, Any]]) -> str:
        import json

        return json.dumps(
            {
                "Records": [
                    {
                        "kinesis": {
                            "kinesisSchemaVersion": "1.0",
                            "partitionKey": record.partition_key,
                            "sequenceNumber": str(seq),
                            "data": record.data,
                            "approximateArrivalTimestamp": record.created_at,
                        },
                        "eventSource": "aws:kinesis",
                        "eventVersion": "1.0",
                        "eventID": f"{self.shard_id}:{seq}",
                        "eventName": "aws:kinesis:record",
                        "invokeIdentityArn": function.role,
                        "awsRegion": self.stream.region,
                        "eventSourceARN": self.stream.arn,
                    }
                    for seq, record in batch
                ]
            }
        )

    def batch_info(self, batch: list[tuple[int, Any]]) -> tuple[str, dict[str, Any]]:
        (first, first_record), (last, last_record) = batch[0], batch[-1]
        return "KinesisBatchInfo", {
            "shardId": self.shard_id,
            "startSequenceNumber": str(first),
            "endSequenceNumber": str(last),
            "approximateArrivalOfFirstRecord": iso(first_record.created_at),
            "approximateArrivalOfLastRecord": iso(last_record.created_at),
            "batchSize": len(batch),
            "streamArn": self.stream.arn,
        }


class KinesisPoller:
    def __init__(
        self,
        run: Run,
        destinations: Destinations,
        history: InvocationLog,
        *,
        retry_delay: float = 0.5,
        log: Callable[[str], None] = print,
    ) -> None:
        self._delivery = StreamDelivery(run, destinations, history, retry_delay=retry_delay, log=log)
        self._positions: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _mappings() -> list[tuple[Any, Any]]:
        from moto.awslambda.models import lambda_backends

        found = []
        for _account, regions in list(lambda_backends.items()):
            for _region, backend in list(regions.items()):
                for esm in list(backend._event_source_mappings.values()):
                    if ":kinesis:" in esm.event_source_arn and esm.enabled:
                        found.append((backend, esm))
        return found

    @staticmethod
    def _stream(esm: Any) -> Any:
        from moto.kinesis.models import kinesis_backends

        _, _, _, region, account, _ = esm.event_source_arn.split(":", 5)
        for stream in kinesis_backends[account][region].streams.values():
            if stream.arn == esm.event_source_arn:
                return stream
        return None

    def _unread(self, esm: Any, shard: Any) -> list[tuple[int, Any]]:
        records = list(shard.records.items())
        key = (esm.uuid, shard.shard_id)
        if key not in self._positions:
            latest = esm.starting_position == "LATEST"
            before = [seq for seq, r in records if r.created_at <= esm.last_modified] if latest else []
            self._positions[key] = max(before, default=-1)
        return [(seq, r) for seq, r in records if seq > self._positions[key]]

    def idle(self) -> bool:
        """No batch being delivered, and every mapping has read its shards to their end."""
        if not self._lock.acquire(blocking=False):
            return False
        try:
            for _backend, esm in self._mappings():
                stream = self._stream(esm)
                if stream is not None and any(self._unread(esm, s) for s in list(stream.shards.values())):
                    return False
            return True
        finally:
            self._lock.release()

    def poll_once(self) -> int:
        """Deliver at most one batch per (mapping, shard); returns how many batches were delivered."""
        delivered = 0
        with self._lock:
            for backend, esm in self._mappings():
                stream = self._stream(esm)
                if stream is None:
                    continue
                for shard in list(stream.shards.values()):
                    key = (esm.uuid, shard.shard_id)
                    batch = self._unread(esm, shard)[: esm.batch_size or 100]
                    if not batch:
                        continue
                    function = invoked(backend, esm.function_arn)
                    self._delivery.deliver(esm, function, KinesisShard(stream, shard.shard_id), batch)
                    self._positions[key] = batch[-1][0]
                    delivered += 1
        return delivered


def _trace_header(message: Any) -> str:
    return str(((message.system_attributes or {}).get("AWSTraceHeader") or {}).get("StringValue") or "")


@contextlib.contextmanager
def _queue_segment(queue: Any, messages: list[Any]) -> Iterator[TraceHeader | None]:
    """The batch's invocation joins the trace of its first message that has one, as Lambda's does, under
    a segment for the queue that spans the message's wait in it."""
    trace = next((t for t in map(TraceHeader.parse, map(_trace_header, messages)) if t), None)
    if trace is None or not trace.sampled:
        with continuing(trace):
            yield trace
        return
    sent = min(float(m.sent_timestamp) for m in messages) / 1000
    segment = Segment(queue.name, trace, origin="AWS::SQS::Queue", parent_id=trace.parent, start=sent,
                      aws={"queue_arn": queue.queue_arn, "messages": len(messages)})  # fmt: skip
    segment.end()
    try:
        with continuing(segment.header):
            yield segment.header
    finally:
        STORE.put(segment.doc)


class SqsPoller:
    """SQS mappings polled as Lambda polls them: batches of `BatchSize`, the queue's visibility timeout.

    After a successful invocation the batch's remaining messages are deleted; after a failure they
    stay in flight until their visibility timeout (or whatever the handler set) runs out, and are
    moved to the dead-letter queue by SQS after `maxReceiveCount` receives.
    """

    def __init__(self, run: Run, history: InvocationLog, log: Callable[[str], None] = print) -> None:
        self._run = run
        self._history = history
        self._log = log
        self._polling = threading.Lock()

    def idle(self) -> bool:
        """No batch being delivered, and every mapped queue empty: each message processed, or moved to a
        dead-letter queue. (A message in flight waits for its visibility timeout: it is not done yet.)"""
        if not self._polling.acquire(blocking=False):
            return False
        try:
            return all(
                queue.approximate_number_of_messages + queue.approximate_number_of_messages_not_visible
                + queue.approximate_number_of_messages_delayed == 0
                for _backend, _esm, _sqs, queue in self._mappings()
            )  # fmt: skip
        finally:
            self._polling.release()

    @staticmethod
    def _mappings() -> list[tuple[Any, Any, Any, Any]]:
        from moto.awslambda.models import lambda_backends
        from moto.sqs.models import sqs_backends

        found = []
        for _account, regions in list(lambda_backends.items()):
            for _region, backend in list(regions.items()):
                for esm in list(backend._event_source_mappings.values()):
                    if ":sqs:" not in esm.event_source_arn or not esm.enabled:
                        continue
                    _, _, _, region, account, name = esm.event_source_arn.split(":", 5)
                    sqs = sqs_backends[account][region]
                    queue = sqs.queues.get(name)
                    if queue is not None:
                        # moto delivers inside SendMessage when a queue knows its mappings; the poller does instead.
                        queue.lambda_event_source_mappings.clear()
                        found.append((backend, esm, sqs, queue))
        return found

    @staticmethod
    def _event(queue: Any, messages: list[Any]) -> str:
        import json

        def attributes(message: Any) -> dict[str, Any]:
            converted = {}
            for name, value in message.message_attributes.items():
                converted[name] = {
                    "stringValue": value.get("StringValue"),
                    "binaryValue": value.get("BinaryValue"),
                    "stringListValues": [],
                    "binaryListValues": [],
                    "dataType": value.get("DataType"),
                }
            return converted

        return json.dumps(
            {
                "Records": [
                    {
                        "messageId": m.id,
                        "receiptHandle": m.receipt_handle,
                        "body": m.body,
                        "attributes": {
                            "ApproximateReceiveCount": str(m.approximate_receive_count),
                            "SentTimestamp": str(m.sent_timestamp),
                            "SenderId": m.sender_id,
                            "ApproximateFirstReceiveTimestamp": str(m.approximate_first_receive_timestamp),
                            **({"AWSTraceHeader": _trace_header(m)} if _trace_header(m) else {}),
                        },
                        "messageAttributes": attributes(m),
                        "md5OfBody": m.body_md5,
                        "eventSource": "aws:sqs",
                        "eventSourceARN": queue.queue_arn,
                        "awsRegion": queue.region,
                    }
                    for m in messages
                ]
            }
        )

    def poll_once(self) -> int:
        with self._polling:
            return self._poll()

    def _poll(self) -> int:
        delivered = 0
        for backend, esm, sqs, queue in self._mappings():
            messages = sqs.receive_message(queue.name, esm.batch_size or 10, 0, int(queue.visibility_timeout), ["All"])
            if not messages:
                continue
            function = invoked(backend, esm.function_arn)
            with _queue_segment(queue, messages):
                result = self._run(function, self._event(queue, messages))
            if result.throttled:  # back off: the batch is visible again a second later
                for message in messages:
                    with contextlib.suppress(Exception):
                        sqs.change_message_visibility(queue.name, message.receipt_handle, THROTTLE_BACKOFF_SECONDS)
                continue
            self._history.record(function, result, "aws:sqs", 1)
            delivered += 1
            if result.errored:
                continue
            for message in messages:
                # Some may be deleted already, by the handler itself: that is how partial success works.
                with contextlib.suppress(Exception):
                    sqs.delete_message(queue.name, message.receipt_handle)
        return delivered


def deliver_sns_to_lambda_asynchronously(submit: Callable[[Any, str, str], None]) -> None:
    """SNS -> Lambda as AWS does it: filter policy applied, the real topic, message id and attributes,
    invoked asynchronously. moto sends a fixed placeholder event synchronously and drops the attributes."""
    import json

    from moto.awslambda.utils import get_backend
    from moto.sns.models import Subscription

    original = Subscription.publish

    def publish(self: Any, message: str, message_id: str, subject: str | None = None,
                message_attributes: dict[str, Any] | None = None, *args: Any, **kwargs: Any) -> None:  # fmt: skip
        if self.protocol != "lambda":
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
        region = self.endpoint.split(":")[3]
        function = invoked(get_backend(self.account_id, region), self.endpoint)
        submit(function, json.dumps(event), "aws:sns")
        return None

    Subscription.publish = publish
