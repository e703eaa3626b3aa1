"""How invocations reach the executor: synchronous ones at once, asynchronous ones through a queue.

moto calls `LambdaFunction.invoke` from every integration. Here that call is routed the way Lambda
routes it: `InvocationType=Event` and the asynchronous sources (S3 and SNS notifications) are queued
and acknowledged immediately, then run with the function's retry policy and, when they keep failing,
sent to its on-failure destination (a throttled attempt waits and is made again, as Lambda does).
Everything else (RequestResponse, SQS, Kinesis, DynamoDB streams) runs inline and returns the
handler's result, with Lambda's `Unhandled` error header, or a 429 when a concurrency limit throttles.
"""

from __future__ import annotations

import base64
import collections
import json
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from toolchain.emulator.awslambda.concurrency import function_wide
from toolchain.emulator.awslambda.executor import Invocation
from toolchain.emulator.clients import emulator_client, session_client
from toolchain.emulator.xray.segments import TraceHeader, continuing, current

if TYPE_CHECKING:
    from toolchain.emulator.iam.sessions import RoleSessions

ASYNC_SOURCES = ("aws:s3", "aws:sns")
OUTCOMES = ("accepted", "succeeded", "failed", "dropped")


def event_source(body: str) -> str:
    try:
        record = json.loads(body)["Records"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return ""
    if not isinstance(record, dict):
        return ""
    return str(record.get("eventSource") or record.get("EventSource") or "")


class InvocationLog:
    """The most recent invocations, for `invoke logs`-style tools and tests."""

    def __init__(self, size: int = 500) -> None:
        self._items: collections.deque[dict[str, Any]] = collections.deque(maxlen=size)
        self._lock = threading.Lock()
        self.recorded = 0  # every invocation ever recorded: what moved, between two looks at the emulator

    def record(self, fn: Any, invocation: Invocation, source: str, attempt: int) -> None:
        with self._lock:
            self.recorded += 1
            self._items.append(
                {
                    "request_id": invocation.request_id,
                    "function_name": fn.function_name,
                    "version": str(getattr(fn, "version", "$LATEST")),
                    "alias": getattr(fn, "invoked_alias", None),
                    "source": source,
                    "attempt": attempt,
                    "errored": invocation.errored,
                    "error_type": invocation.error_type,
                    "finished": datetime.now(UTC).isoformat(),
                }
            )

    def items(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._items)

    def durable_state(self) -> list[dict[str, Any]]:
        return self.items()

    def restore_state(self, state: list[dict[str, Any]]) -> None:
        with self._lock:
            self._items.clear()
            self._items.extend(state)


class Destinations:
    """Delivers async results to SQS, SNS, Lambda or EventBridge through the emulator's own API, as
    Lambda does: with the function's execution role (its `SendFailedEvents` grant), so a role that
    may not send there loses the record, as on AWS, and the emulator's log says why."""

    def __init__(self, endpoint: str, sessions: RoleSessions | None = None, log: Callable[[str], None] = print) -> None:
        self._endpoint = endpoint
        self._sessions = sessions
        self._log = log
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._lock = threading.Lock()

    def _client(self, service: str, region: str, fn: Any = None) -> Any:
        role = str(getattr(fn, "role", "") or "") if self._sessions is not None else ""
        with self._lock:
            if (service, region, role) not in self._clients:
                if role and self._sessions is not None:
                    credentials = self._sessions.credentials(role, fn.function_name)
                    self._clients[(service, region, role)] = session_client(service, self._endpoint, region,
                                                                            credentials)  # fmt: skip
                else:
                    self._clients[(service, region, role)] = emulator_client(service, self._endpoint, region)
            return self._clients[(service, region, role)]

    def deliver(self, arn: str, record: dict[str, Any], fn: Any = None) -> bool:
        """Send `record` to `arn` as `fn`'s role (the operator's without one); False when refused."""
        from botocore.exceptions import ClientError

        try:
            self._send(arn, json.dumps(record), fn)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            self._log(f"{getattr(fn, 'function_name', '?')}: the record for {arn} was lost: "
                      f"{error.get('Code')}: {error.get('Message')}")  # fmt: skip
            return False
        return True

    def _send(self, arn: str, body: str, fn: Any) -> None:
        _, _, service, region, account, resource = arn.split(":", 5)
        if service == "sqs":
            # Lambda addresses the queue by ARN: finding its URL is the emulator's lookup, not the role's call
            url = self._client("sqs", region).get_queue_url(QueueName=resource,
                                                            QueueOwnerAWSAccountId=account)["QueueUrl"]  # fmt: skip
            self._client("sqs", region, fn).send_message(QueueUrl=url, MessageBody=body)
        elif service == "sns":
            self._client("sns", region, fn).publish(TopicArn=arn, Message=body)
        elif service == "lambda":
            self._client("lambda", region, fn).invoke(FunctionName=arn, InvocationType="Event", Payload=body)
        elif service == "events":
            bus = resource.split("/", 1)[-1]
            self._client("events", region, fn).put_events(
                Entries=[{"Source": "lambda", "DetailType": "Lambda Function Invocation Result", "Detail": body,
                          "EventBusName": bus}]
            )  # fmt: skip
        else:
            raise ValueError(f"unsupported destination {arn}")


class AsyncInvoker:
    """Lambda's internal queue for asynchronous invocations, with its retry policy.

    AWS waits about 1 and then 2 minutes between attempts; the emulator keeps the order and the
    count of attempts but waits `retry_delays` seconds (1 and 2 by default).
    """

    def __init__(
        self,
        run: Callable[[Any, str], Invocation],
        destinations: Destinations,
        history: InvocationLog,
        *,
        retry_delays: tuple[float, ...] = (1.0, 2.0),
        max_workers: int = 4,
        log: Callable[[str], None] = print,
    ) -> None:
        self._run = run
        self._destinations = destinations
        self._history = history
        self._delays = retry_delays
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="async-invoke")
        self._pending = 0
        self._cond = threading.Condition()
        self._log = log
        # what is accepted and not yet done, by ticket: Lambda's queue keeps it across a restart
        self._queued: dict[int, tuple[str, str | None, str, str, float]] = {}
        self._tickets = 0
        # what became of the events, per function and source: an account of every event (`invoke chaos`)
        self._outcomes: dict[str, dict[str, int]] = {}

    def _count(self, fn: Any, source: str, outcome: str) -> None:
        with self._cond:
            counts = self._outcomes.setdefault(f"{fn.function_name} {source}", dict.fromkeys(OUTCOMES, 0))
            counts[outcome] += 1

    def outcomes(self) -> dict[str, dict[str, dict[str, int]]]:
        """Per function and source: events accepted, succeeded, sent to the on-failure destination, dropped."""
        found: dict[str, dict[str, dict[str, int]]] = {}
        with self._cond:
            for key, counts in self._outcomes.items():
                function, source = key.split(" ", 1)
                found.setdefault(function, {})[source] = dict(counts)
        return found

    def submit(self, fn: Any, event: str, source: str, enqueued: float | None = None, *, again: bool = False) -> None:
        enqueued = time.time() if enqueued is None else enqueued
        if not again:
            self._count(fn, source, "accepted")
        with self._cond:
            self._pending += 1
            self._tickets += 1
            ticket = self._tickets
            self._queued[ticket] = (fn.function_arn, getattr(fn, "invoked_alias", None), event, source, enqueued)
        # the event keeps the trace it was sent in (Lambda carries the header through its queue)
        self._pool.submit(self._process, ticket, fn, event, source, enqueued, current.get())

    def durable_state(self) -> dict[str, Any]:
        with self._cond:
            queued = [self._queued[ticket] for ticket in sorted(self._queued)]
            return {"queued": queued, "outcomes": {key: dict(counts) for key, counts in self._outcomes.items()}}

    def restore_state(self, state: dict[str, Any] | list[tuple[str, str | None, str, str, float]]) -> None:
        """Queue again what was accepted and not finished: each runs at least once, as Lambda promises
        (one that was running when the emulator stopped runs again, as a retry does on AWS)."""
        import copy

        from moto.awslambda.utils import get_backend

        if isinstance(state, list):  # a checkpoint from before the outcomes were kept
            state = {"queued": state, "outcomes": {}}
        with self._cond:
            self._outcomes = {key: dict(counts) for key, counts in state["outcomes"].items()}
        for function_arn, alias, event, source, enqueued in state["queued"]:
            _, _, _, region, account, _ = function_arn.split(":", 5)
            try:
                fn = get_backend(account, region).get_function(function_arn)
            except Exception:  # deleted before the restart: Lambda drops its queue with it
                self._log(f"async event for {function_arn} dropped: the function no longer exists")
                continue
            if alias:
                fn = copy.copy(fn)
                fn.invoked_alias = alias
                fn.invoked_arn = f"{function_arn.rsplit(':', 1)[0]}:{alias}"
            self.submit(fn, event, source, enqueued, again=True)

    def pending(self) -> int:
        with self._cond:
            return self._pending

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    @staticmethod
    def _config(fn: Any) -> dict[str, Any]:
        """The function's asynchronous configuration (moto keeps it on the function, not each version)."""
        configs = getattr(function_wide(fn), "event_invoke_config", None) or []
        return configs[-1].config if configs else {}

    def _process(self, ticket: int, fn: Any, event: str, source: str, enqueued: float,
                 trace: TraceHeader | None) -> None:  # fmt: skip
        try:
            with continuing(trace):
                self._attempts(fn, event, source, enqueued)
        except Exception as exc:  # the queue must survive anything one event does
            self._log(f"async invocation of {fn.function_name} failed in the emulator: {exc!r}")
        finally:
            with self._cond:
                self._pending -= 1
                self._queued.pop(ticket, None)
                self._cond.notify_all()

    def _attempts(self, fn: Any, event: str, source: str, enqueued: float) -> None:
        config = self._config(fn)
        retries = int(config.get("MaximumRetryAttempts", 2))
        max_age = float(config.get("MaximumEventAgeInSeconds", 21600))
        attempt = 0
        throttles = 0
        while True:
            result = self._run(fn, event)
            if result.throttled:  # never ran: wait and try again, without using up a retry
                throttles += 1
                delay = self._delays[min(throttles - 1, len(self._delays) - 1)]
                if time.time() + delay - enqueued > max_age:
                    condition = "EventAgeExceeded"
                    break
                time.sleep(delay)
                continue
            attempt += 1
            self._history.record(fn, result, source, attempt)
            if not result.errored:
                self._count(fn, source, "succeeded")
                self._send(fn, config, "OnSuccess", event, result, attempt, "Success")
                return
            if attempt > retries:
                condition = "RetriesExhausted"
                break
            delay = self._delays[min(attempt - 1, len(self._delays) - 1)]
            if time.time() + delay - enqueued > max_age:
                condition = "EventAgeExceeded"
                break
            time.sleep(delay)
        sent = self._send(fn, config, "OnFailure", event, result, attempt, condition)
        self._count(fn, source, "failed" if sent else "dropped")
        if not sent:
            self._log(
                f"{fn.function_name}: event dropped after {attempt} attempts ({condition}); no on-failure destination"
            )

    def _send(
        self,
        fn: Any,
        config: dict[str, Any],
        kind: str,
        event: str,
        result: Invocation,
        attempts: int,
        condition: str,
    ) -> bool:
        arn = (config.get("DestinationConfig") or {}).get(kind, {}).get("Destination")
        if not arn:
            return False
        try:
            response_payload = json.loads(result.payload) if result.payload else None
        except ValueError:
            response_payload = result.payload
        record = {
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "requestContext": {
                "requestId": result.request_id,
                "functionArn": _invoked_arn(fn),
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "requestPayload": json.loads(event),
            "responseContext": {"statusCode": 200, "executedVersion": str(fn.version)},
            "responsePayload": response_payload,
        }
        if result.errored:
            record["responseContext"]["functionError"] = "Unhandled"
        self._destinations.deliver(arn, record, fn)
        return True


def _invoked_arn(fn: Any) -> str:
    """The ARN an invocation named: the alias's, a version's, or the function's with `$LATEST`."""
    if getattr(fn, "invoked_arn", None):
        return str(fn.invoked_arn)
    return fn.function_arn if str(fn.version).isdigit() else f"{fn.function_arn}:$LATEST"


def _throttled(reason: str) -> Exception:
    """Lambda's answer to a synchronous invocation over a concurrency limit: 429 TooManyRequestsException."""
    from moto.core.exceptions import JsonRESTError

    error = JsonRESTError("TooManyRequestsException", "Rate Exceeded.")
    error.code = 429
    error.description = json.dumps({"message": "Rate Exceeded.", "Reason": reason, "Type": "User"})
    return error


def run_in_workers(original: Any, emulator: Any) -> Any:
    """LambdaFunction.invoke (moto would start a container): routed as the module's docstring says."""

    def invoke(self: Any, body: str, request_headers: Any, response_headers: Any) -> str | bytes:
        body = body or "{}"
        headers = request_headers or {}
        invocation_type = headers.get("x-amz-invocation-type") or headers.get("X-Amz-Invocation-Type")
        source = event_source(body)
        if invocation_type == "DryRun":
            return ""
        if invocation_type == "Event" or (not headers and source in ASYNC_SOURCES):
            emulator.invoker.submit(self, body, source or "invoke-async")
            response_headers["x-amzn-RequestId"] = str(uuid.uuid4())
            return ""
        result = emulator.run(self, body)
        if result.throttled:
            raise _throttled(result.throttled)
        emulator.history.record(self, result, source or "invoke", 1)
        response_headers["x-amzn-RequestId"] = result.request_id
        response_headers["x-amz-executed-version"] = str(self.version)  # boto3's ExecutedVersion
        if result.errored:
            response_headers["x-amz-function-error"] = "Unhandled"
        tail = result.logs.encode()[-4096:]
        response_headers["x-amz-log-result"] = base64.b64encode(tail).decode()
        return result.payload.encode()

    return invoke


def run_internally_in_workers(original: Any, emulator: Any) -> Any:
    """LambdaFunction._invoke_lambda, what moto's own integrations (Step Functions' tasks) call."""

    def _invoke_lambda(self: Any, event: str | None = None) -> tuple[str, bool, str]:
        result = emulator.run(self, json.dumps(event) if not isinstance(event, str) else event)
        return result.payload, result.errored, result.logs

    return _invoke_lambda
