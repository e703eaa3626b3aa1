"""SQS mappings polled as Lambda polls them: batches of `BatchSize`, the queue's visibility timeout.

moto invokes a queue's mapping inside SendMessage, in the sender's request, and never again; here a
poller receives batches. After a successful invocation the batch's remaining messages are deleted;
after a failure they stay in flight until their visibility timeout (or whatever the handler set)
runs out, and SQS moves them to the dead-letter queue after `maxReceiveCount` receives.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from toolchain.emulator.awslambda.executor import Invocation
from toolchain.emulator.awslambda.invocations import InvocationLog
from toolchain.emulator.awslambda.routing import invoked
from toolchain.emulator.event_sources.permissions import may_delete, may_read
from toolchain.emulator.metering import METER
from toolchain.emulator.persistence.gate import GATE
from toolchain.emulator.xray.segments import STORE, Segment, TraceHeader, continuing

THROTTLE_BACKOFF_SECONDS = 1  # a throttled SQS batch is visible again after this

Run = Callable[[Any, str], Invocation]


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

    def __init__(self, run: Run, history: InvocationLog, log: Callable[[str], None] = print, iam: Any = None) -> None:
        self._run = run
        self._history = history
        self._log = log
        self._iam = iam  # the function's role must allow reading and deleting (permissions.py)
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
            if not may_read(self._iam, invoked(backend, esm.function_arn), queue.queue_arn):
                continue
            with GATE.passing():  # (moto's backend, not a request: the checkpoint's gate is passed here)
                messages = sqs.receive_message(queue.name, esm.batch_size or 10, 0, int(queue.visibility_timeout),
                                               ["All"])  # fmt: skip
            if not messages:
                continue
            function = invoked(backend, esm.function_arn)
            with _queue_segment(queue, messages):
                result = self._run(function, self._event(queue, messages))
            if result.throttled:  # back off: the batch is visible again a second later
                for message in messages:
                    with contextlib.suppress(Exception), GATE.passing():
                        sqs.change_message_visibility(queue.name, message.receipt_handle, THROTTLE_BACKOFF_SECONDS)
                continue
            self._history.record(function, result, "aws:sqs", 1)
            # Lambda's pollers pay SQS for the receive that found the batch and the batch delete
            METER.add(function.function_name, "sqs.requests", 1 if result.errored else 2)
            delivered += 1
            if result.errored or not may_delete(self._iam, function, queue.queue_arn):
                continue  # (not deleted: visible again after the visibility timeout, as on AWS)
            for message in messages:
                # Some may be deleted already, by the handler itself: that is how partial success works.
                with contextlib.suppress(Exception), GATE.passing():
                    sqs.delete_message(queue.name, message.receipt_handle)
        return delivered
