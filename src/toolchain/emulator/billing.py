"""What the emulator's traffic would be billed for on AWS: the units each service prices, counted as
the requests pass, for `invoke cost.measure` (toolchain/cost/) to turn into money.

Each successful AWS request adds the units its service bills (DynamoDB request units by item size,
S3 requests by price class, SQS and SNS requests per started 64 KB, Kinesis PUT payload units per
started 25 KB, Secrets Manager, CloudWatch and KMS API calls), credited to whoever made it: the
function whose role session signed it, or `edge` (the platform's clients and the operator). Lambda
counts each invocation and its billed milliseconds (telemetry.py), API Gateway each request it
answers (a refused credential or a throttle is not billed), X-Ray each new trace. What AWS bills from
stored state is read from moto's backends when asked: log bytes ingested, state transitions, bytes
stored in tables and buckets, and the custom metrics that had datapoints (put, or written to the logs
in the embedded metric format, which CloudWatch Logs turns into metrics on AWS).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from toolchain.emulator.dynamodb import capacity
from toolchain.emulator.iam.sessions import access_key_of, signing_service
from toolchain.emulator.metering import EDGE, METER, STORAGE, Meter
from toolchain.emulator.persistence.gate import operation as operation_of

CHUNK_64K = 64 * 1024
KINESIS_PUT_UNIT = 25 * 1024
LOG_EVENT_OVERHEAD = 26  # bytes CloudWatch Logs adds to each event's message when it counts ingestion
# CloudWatch's API calls that are billed per 1,000 (GetMetricData per metric asked; counted per call here)
CLOUDWATCH_BILLED = frozenset({"PutMetricData", "GetMetricData", "GetMetricStatistics", "ListMetrics",
                               "GetDashboard", "ListDashboards", "PutDashboard", "DeleteDashboards",
                               "GetMetricWidgetImage"})  # fmt: skip
KMS_BILLED = frozenset({"Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
                        "GenerateDataKeyPair", "Sign", "Verify", "GenerateMac", "VerifyMac",
                        "GenerateRandom"})  # fmt: skip


def _json(body: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(body or b"{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _chunks(size: int, chunk: int) -> int:
    return max(1, math.ceil(size / chunk))


def _sqs_units(operation: str, request: dict[str, Any]) -> float:
    from toolchain.emulator.sqs.limits import message_bytes

    if operation == "SendMessage":
        return _chunks(message_bytes(request.get("MessageBody"), request.get("MessageAttributes")), CHUNK_64K)
    if operation == "SendMessageBatch":
        entries = request.get("Entries") or []
        size = sum(message_bytes(e.get("MessageBody"), e.get("MessageAttributes")) for e in entries)
        return _chunks(size, CHUNK_64K)
    return 1


def _sns_units(operation: str, body: bytes) -> float:
    if operation not in ("Publish", "PublishBatch"):
        return 0
    form = parse_qs(body.decode("utf-8", "replace"))
    counted = [name for name in form if name.endswith("Message") or "MessageAttributes." in name]
    size = sum(len(value.encode()) for name in counted for value in form[name])
    return _chunks(size, CHUNK_64K)


def _kinesis_units(operation: str, request: dict[str, Any]) -> float:
    from toolchain.emulator.kinesis.records import record_bytes

    def size(record: dict[str, Any]) -> int:
        return record_bytes(record.get("Data"), record.get("PartitionKey"))

    if operation == "PutRecord":
        return _chunks(size(request), KINESIS_PUT_UNIT)
    if operation == "PutRecords":
        return sum(_chunks(size(r), KINESIS_PUT_UNIT) for r in request.get("Records") or [])
    return 0


def _s3_unit(environ: dict[str, Any]) -> str | None:
    """S3's request price classes: PUT, COPY, POST and LIST are the dearer tier; GET, HEAD and the
    rest the cheaper one; DELETE is free."""
    method = environ.get("REQUEST_METHOD", "GET")
    if method == "DELETE":
        return None
    if method in ("PUT", "POST"):
        return "s3.tier1_requests"
    path = environ.get("PATH_INFO", "").strip("/")
    query = environ.get("QUERY_STRING", "")
    bucket_only = "/" not in path and not environ.get("HTTP_HOST", "").count(".s3.")
    if method == "GET" and bucket_only and (not query or "list-type" in query or "versions" in query):
        return "s3.tier1_requests"  # a listing
    return "s3.tier2_requests"


def _stored_item(account: str, region: str) -> capacity.Stored:
    def stored(table_name: str, attributes: dict[str, Any]) -> dict[str, Any] | None:
        from moto.dynamodb.models import dynamodb_backends
        from moto.dynamodb.models.dynamo_type import DynamoType

        try:
            table = dynamodb_backends[account][region].get_table(table_name)
            hash_key = DynamoType(attributes[table.hash_key_attr])
            # .get, never moto's get_item: that indexes a defaultdict, adding an empty entry for a
            # missing key, outside the table's lock, under another request's Scan
            found = table.items.get(hash_key)
            if table.range_key_attr and found is not None:
                found = found.get(DynamoType(attributes[table.range_key_attr]))
        except Exception:  # no such table or key: nothing stored, as the call will find
            return None
        return found.to_json()["Attributes"] if found is not None else None

    return stored


class _Captured:
    def __init__(self, start_response: Callable[..., Any]) -> None:
        self.status = 500
        self._start = start_response

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        self.status = int(status.split(" ", 1)[0])
        return self._start(status, headers, exc_info) if exc_info else self._start(status, headers)


_READ_BODY = frozenset({"dynamodb", "sqs", "sns", "kinesis"})
_DYNAMODB_READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})


def metered_app(app: Any, sessions: Any, meter: Meter = METER, log: Callable[[str], None] = print) -> Any:
    """moto's WSGI app, counting what each successful request would be billed."""
    said: set[str] = set()

    def payer_of(environ: dict[str, Any]) -> str:
        session = sessions.find(access_key_of({"Authorization": environ.get("HTTP_AUTHORIZATION", "")}))
        return session.name if session is not None and session.function else EDGE

    def metered(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        service = signing_service({"Authorization": environ.get("HTTP_AUTHORIZATION", "")}) or ""
        if service not in _BILLED:
            return app(environ, start_response)
        body = b""
        if service in _READ_BODY and environ.get("CONTENT_LENGTH"):
            body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
            environ["wsgi.input"] = io.BytesIO(body)
        operation = environ.get("REQUEST_METHOD", "GET") if service == "s3" else operation_of(environ, body)
        request = _json(body) if service in ("dynamodb", "sqs", "kinesis") else {}
        stored = _stored_item(_account(), _region(environ)) if service == "dynamodb" else _nothing_stored
        sizes = _sizes_before(operation, request, stored, log) if service == "dynamodb" else {}
        captured = _Captured(start_response)
        result = app(environ, captured)
        answer = b""
        if service == "dynamodb" and operation in _DYNAMODB_READS:
            answer = b"".join(result)
            result = [answer]
        if captured.status < 400:
            try:
                found = _units(service, operation, environ, body, request, answer, sizes, stored)
                payer = payer_of(environ) if found else EDGE
                for unit, amount in found:
                    meter.add(payer, unit, amount)
            except Exception as exc:  # a bill is never worth a failed request; say it once per operation
                if f"{service}:{operation}" not in said:
                    said.add(f"{service}:{operation}")
                    log(f"metering {service}:{operation} failed: {exc!r}")
        return result

    return metered


def _nothing_stored(table_name: str, attributes: dict[str, Any]) -> None:
    return None


def _sizes_before(operation: str, request: dict[str, Any], stored: capacity.Stored,
                  log: Callable[[str], None]) -> dict[str, int]:  # fmt: skip
    try:
        return capacity.before(operation, request, stored)
    except Exception as exc:  # a malformed request: DynamoDB refuses it, and nothing is billed
        log(f"metering dynamodb:{operation}: {exc!r}")
        return {}


def _region(environ: dict[str, Any]) -> str:
    scope = str(environ.get("HTTP_AUTHORIZATION", "")).split("Credential=", 1)[-1].split(",", 1)[0].split("/")
    return scope[2] if len(scope) > 4 else "us-east-1"


def _account() -> str:
    from moto.core import DEFAULT_ACCOUNT_ID

    return DEFAULT_ACCOUNT_ID


_BILLED = frozenset({"dynamodb", "s3", "sqs", "sns", "kinesis", "secretsmanager", "monitoring", "kms"})


def _units(service: str, operation: str, environ: dict[str, Any], body: bytes, request: dict[str, Any],
           answer: bytes, sizes: dict[str, int], stored: capacity.Stored) -> list[tuple[str, float]]:  # fmt: skip
    if service == "dynamodb":
        if operation == "GetRecords":  # DynamoDB Streams signs as dynamodb; Lambda's own reads are free
            return [("dynamodb.stream_read_requests", 1)]
        found = capacity.units(operation, request, _json(answer), sizes, stored)
        return [(f"dynamodb.{unit}", amount) for unit, amount in found.items()]
    if service == "s3":
        unit = _s3_unit(environ)
        return [(unit, 1)] if unit else []
    if service == "sqs":
        return [("sqs.requests", _sqs_units(operation, request))]
    if service == "sns":
        return [("sns.publishes", _sns_units(operation, body))]
    if service == "kinesis":
        return [("kinesis.put_payload_units", _kinesis_units(operation, request))]
    if service == "secretsmanager":
        return [("secretsmanager.api_calls", 1)]
    if service == "monitoring":
        return [("cloudwatch.api_requests", 1)] if operation in CLOUDWATCH_BILLED else []
    if service == "kms":
        return [("kms.requests", 1)] if operation in KMS_BILLED else []
    return []


def stored_state(since: float, traces_recorded: int) -> dict[str, Any]:
    """What AWS bills from state, read now from moto: cumulative log bytes ingested and state
    transitions by payer, bytes stored by table and bucket, and the custom metrics with a datapoint
    at or after `since` (epoch seconds)."""
    account = _account()
    units: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    metrics = _logs(account, units, since)
    _transitions(account, units)
    _storage(account, units)
    units[EDGE]["xray.traces_recorded"] += traces_recorded
    return {
        "units": {payer: dict(found) for payer, found in units.items()},
        "custom_metrics": sorted(metrics | _put_metrics(account, since)),
    }


def _logs(account: str, units: dict[str, dict[str, float]], since: float) -> set[str]:
    """Log bytes ingested by payer, and the metrics the embedded-metric-format lines written at or
    after `since` create: one pass over every event."""
    from moto.logs.models import logs_backends

    metrics: set[str] = set()
    for backend in list(logs_backends[account].values()):
        for name, group in list(backend.groups.items()):
            payer = name.removeprefix("/aws/lambda/") if name.startswith("/aws/lambda/") else EDGE
            for stream in list(group.streams.values()):
                for event in list(stream.events):
                    message = str(event.message)
                    units[payer]["logs.ingested_bytes"] += len(message.encode()) + LOG_EVENT_OVERHEAD
                    if event.timestamp >= since * 1000:
                        metrics |= _emf_metrics(message)
    return metrics


def _transitions(account: str, units: dict[str, dict[str, float]]) -> None:
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    for backend in list(stepfunctions_parser_backends[account].values()):
        for machine in list(backend.state_machines):
            for execution in list(getattr(machine, "executions", [])):
                events = _history(execution)
                entered = sum(1 for e in events if str(e.get("type", "")).endswith("StateEntered"))
                units[f"states:{machine.name}"]["states.state_transitions"] += entered


def _history(execution: Any) -> list[dict[str, Any]]:
    try:
        return list(execution.to_history_output().get("events") or [])
    except Exception:  # an execution moto cannot describe yet has no history to bill yet
        return []


def _storage(account: str, units: dict[str, dict[str, float]]) -> None:
    from moto.dynamodb.models import dynamodb_backends
    from moto.s3.models import s3_backends

    for backend in list(dynamodb_backends[account].values()):
        for name, table in list(backend.tables.items()):
            # list(dict.values()) copies in one step under the GIL, while writers go on
            rows = list(table.items.values())
            items = [item for row in rows for item in list(row.values())] if table.range_key_attr else rows
            stored = sum(capacity.item_bytes(item.to_json()["Attributes"]) + capacity.STORAGE_OVERHEAD_BYTES
                         for item in items)  # fmt: skip
            units[STORAGE][f"dynamodb.stored_bytes:{name}"] += stored
    for name, bucket in list(s3_backends[account]["global"].buckets.items()):
        stored = 0
        for key in list(dict.keys(bucket.keys)):  # a copy in one step: uploads go on meanwhile
            with contextlib.suppress(KeyError):  # deleted since
                stored += sum(v.size for v in list(bucket.keys.getlist(key)) if hasattr(v, "size"))
        units[STORAGE][f"s3.stored_bytes:{name}"] += stored


def _emf_metrics(line: str) -> set[str]:
    """The metrics one embedded-metric-format log line creates, as CloudWatch Logs extracts them: each
    metric once per dimension set, with the dimensions' values from the line."""
    if '"_aws"' not in line:
        return set()
    try:
        doc = json.loads(line)
        found = set()
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            for dimensions in directive.get("Dimensions") or [[]]:
                dims = ",".join(sorted(f"{name}={doc.get(name)}" for name in dimensions))
                found |= {f"{directive['Namespace']}|{metric['Name']}|{dims}" for metric in directive["Metrics"]}
        return found
    except (ValueError, KeyError, TypeError):  # not EMF after all: CloudWatch Logs ignores it too
        return set()


def _put_metrics(account: str, since: float) -> set[str]:
    """The custom metrics put (PutMetricData) with a datapoint at or after `since`."""
    from moto.cloudwatch.models import cloudwatch_backends

    moment = datetime.fromtimestamp(since, UTC)
    found: set[str] = set()
    for backend in list(cloudwatch_backends[account].values()):
        for datum in list(backend.metric_data):
            if str(datum.namespace).startswith("AWS/"):
                continue
            stamp = datum.timestamp if datum.timestamp.tzinfo else datum.timestamp.replace(tzinfo=UTC)
            if stamp >= moment:
                dims = ",".join(sorted(f"{d.name}={d.value}" for d in datum.dimensions))
                found.add(f"{datum.namespace}|{datum.name}|{dims}")
    return found
