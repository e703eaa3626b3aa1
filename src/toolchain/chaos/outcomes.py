"""Where each input ended: found done (once, or more: doubled), found failed with its reason, in a
dead-letter queue, refused at the edge, or nowhere. Read through AWS's APIs after the platform has
settled, with the faults off; each table, queue and listing is read once for all inputs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from toolchain.chaos.driver import Sent
from toolchain.chaos.profile import Account, Check
from toolchain.errors import ToolchainError

OUTCOMES = ("processed", "dead_lettered", "refused", "failed", "wrong", "lost", "doubled")
TEMPLATE = re.compile(r"\{([a-z_]+)(?:\.([A-Za-z0-9_.]+))?\}")
BATCH_GET = 100


@dataclass(frozen=True)
class Found:
    state: str  # done | failed | absent | doubled | refused | wrong | unanswered
    reason: str = ""
    item: dict[str, Any] | None = None


@dataclass(frozen=True)
class Outcome:
    sent: Sent
    outcome: str  # one of OUTCOMES
    reason: str = ""


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    deserialise = TypeDeserializer().deserialize
    return {name: deserialise(value) for name, value in item.items()}


def output_value(outputs: dict[str, Any], name: str) -> Any:
    """An output by name, or a member of one: `queues.etl_failures`."""
    value: Any = outputs
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            raise ToolchainError(f"the environment has no output {name!r}", "see `invoke outputs`")
        value = value[part]
    return value


def fill(template: Any, sent: Sent, outputs: dict[str, Any], item: dict[str, Any] | None = None, **extra: Any) -> str:
    """A profile's value with {n}, {answer.F}, {item.F}, {outputs.NAME} and `extra` put in."""

    def value(match: re.Match[str]) -> str:
        name, field = match.group(1), match.group(2)
        if name == "n":
            return sent.tag
        if name in extra:
            return str(extra[name])
        if name == "outputs" and field:
            return str(output_value(outputs, field))
        source = {"answer": sent.answer, "item": item}.get(name)
        if field and isinstance(source, dict) and source.get(field) is not None:
            return str(source[field])
        return "\x00missing"  # matches nothing: what it names was never known

    return TEMPLATE.sub(value, str(template))


class Reader:
    """The platform's state as the checks read it, each table, queue and listing once."""

    def __init__(self, client: Callable[[str], Any], outputs: dict[str, Any], tags: Callable[[str], bool]) -> None:
        self._client = client
        self._outputs = outputs
        self._mine = tags  # whether a message body belongs to this run
        self._keys: dict[str, list[str]] = {}
        self._scans: dict[tuple[str, tuple[str, ...]], dict[tuple[str, ...], list[dict[str, Any]]]] = {}
        self._queues: dict[str, list[dict[str, Any]]] = {}

    def output(self, name: str) -> str:
        return str(output_value(self._outputs, name))

    def key_of(self, table: str) -> list[str]:
        if table not in self._keys:
            schema = self._client("dynamodb").describe_table(TableName=table)["Table"]["KeySchema"]
            self._keys[table] = sorted(k["AttributeName"] for k in schema)
        return self._keys[table]

    def get(self, table: str, key: dict[str, str]) -> list[dict[str, Any]]:
        found = self._client("dynamodb").get_item(TableName=table, Key={k: {"S": v} for k, v in key.items()},
                                                  ConsistentRead=True).get("Item")  # fmt: skip
        return [_plain(found)] if found else []

    def scan(self, table: str, match: dict[str, str]) -> list[dict[str, Any]]:
        names = tuple(sorted(match))
        if (table, names) not in self._scans:
            index: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            pages = self._client("dynamodb").get_paginator("scan").paginate(TableName=table, ConsistentRead=True)
            for page in pages:
                for raw in page.get("Items", []):
                    item = _plain(raw)
                    index.setdefault(tuple(str(item.get(n)) for n in names), []).append(item)
            self._scans[(table, names)] = index
        return self._scans[(table, names)].get(tuple(match[n] for n in names), [])

    def present(self, table: str, keys: list[dict[str, str]]) -> int:
        dynamodb, found = self._client("dynamodb"), 0
        for start in range(0, len(keys), BATCH_GET):
            wanted: dict[str, Any] = {table: {"Keys": [{k: {"S": v} for k, v in key.items()}
                                                       for key in keys[start:start + BATCH_GET]],
                                              "ConsistentRead": True}}  # fmt: skip
            while wanted:
                answer = dynamodb.batch_get_item(RequestItems=wanted)
                found += len(answer["Responses"].get(table, []))
                wanted = answer.get("UnprocessedKeys") or {}
        return found

    def exists(self, bucket: str, key: str) -> bool:
        try:
            self._client("s3").head_object(Bucket=bucket, Key=key)
        except Exception as exc:  # a 404 is the answer; anything else is said
            if getattr(exc, "response", {}).get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def messages(self, queue_url: str) -> list[dict[str, Any]]:
        """Every message of the queue; this run's are taken off it, the others made visible again."""
        if queue_url not in self._queues:
            sqs, found, others = self._client("sqs"), [], []
            receive = {"QueueUrl": queue_url, "MaxNumberOfMessages": 10, "VisibilityTimeout": 120,
                       "AttributeNames": ["ApproximateReceiveCount"]}  # fmt: skip
            while batch := sqs.receive_message(**receive).get("Messages", []):
                batch = [self._with_records(m) for m in batch]
                found += batch
                ours = [self._mine(text_of(m)) for m in batch]
                mine = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch) if ours[n]]
                others += [m for n, m in enumerate(batch) if not ours[n]]
                if mine:
                    sqs.delete_message_batch(QueueUrl=queue_url, Entries=mine)
            for start in range(0, len(others), 10):
                entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                           for n, m in enumerate(others[start:start + 10])]  # fmt: skip
                sqs.change_message_visibility_batch(QueueUrl=queue_url, Entries=entries)
            self._queues[queue_url] = found
        return self._queues[queue_url]

    def _with_records(self, message: dict[str, Any]) -> dict[str, Any]:
        """A stream's on-failure record names its batch, not its data: the batch's records are read back
        from the stream and put beside it (`Records`), so an input is found in it by its tag."""
        try:
            body = json.loads(message["Body"])
            batch = body["KinesisBatchInfo"]
        except (ValueError, KeyError, TypeError):
            return message
        kinesis = self._client("kinesis")
        stream = str(batch["streamArn"]).rsplit("/", 1)[-1]
        where = {"StreamName": stream, "ShardId": batch["shardId"], "ShardIteratorType": "AT_SEQUENCE_NUMBER",
                 "StartingSequenceNumber": batch["startSequenceNumber"]}  # fmt: skip
        iterator = kinesis.get_shard_iterator(**where)["ShardIterator"]
        last, data = int(batch["endSequenceNumber"]), []
        while iterator:
            answer = kinesis.get_records(ShardIterator=iterator, Limit=1000)
            records = [r for r in answer["Records"] if int(r["SequenceNumber"]) <= last]
            data += [r["Data"].decode("utf-8", "replace") for r in records]
            if len(records) < len(answer["Records"]) or not answer["Records"]:
                break
            iterator = answer.get("NextShardIterator")
        return {**message, "Data": "\n".join(data)}


def message_id(message: dict[str, Any]) -> str:
    """The id the message was sent with: SNS's, for a notification delivered through a topic."""
    try:
        envelope = json.loads(message["Body"])
    except ValueError:
        envelope = None
    if isinstance(envelope, dict) and envelope.get("Type") == "Notification" and envelope.get("MessageId"):
        return str(envelope["MessageId"])
    return str(message.get("MessageId", ""))


def text_of(message: dict[str, Any]) -> str:
    """A message's body, and the records it names where it is a stream's on-failure record."""
    return f"{message['Body']}\n{message.get('Data', '')}"


def _equal(item: dict[str, Any], wanted: dict[str, Any], sent: Sent, outputs: dict[str, Any]) -> bool:
    return all(str(item.get(name)) == fill(value, sent, outputs, item) for name, value in wanted.items())


def check_one(check: Check, sent: Sent, reader: Reader, outputs: dict[str, Any], rows: int,
              previous: dict[str, Any] | None) -> Found:  # fmt: skip
    kind = check.kind
    if kind == "answer":
        if sent.status in check.get("ok", []):
            return Found("done")
        if sent.status is None or sent.status >= 500:
            return Found("unanswered", sent.error or f"answered {sent.status}")
        if sent.status in check.get("refusals", []):
            return Found("refused", f"answered {sent.status}")
        return Found("wrong", f"answered {sent.status}: {str(sent.answer)[:200]}")
    if kind == "item":
        table = reader.output(str(check.get("table_output")))
        match = {name: fill(value, sent, outputs, previous) for name, value in dict(check.get("match")).items()}
        items = reader.get(table, match) if sorted(match) == reader.key_of(table) else reader.scan(table, match)
        if not items:
            return Found("absent")
        if len(items) > 1:
            return Found("doubled", f"{len(items)} items match {match}")
        (item,) = items
        counted = check.get("count")
        if counted and int(item.get(counted) or 0) > 1:
            return Found("doubled", f"{counted} = {item.get(counted)}", item)
        if check.get("failed") and _equal(item, dict(check.get("failed")), sent, outputs):
            return Found("failed", str(item.get(str(check.get("reason", "reason"))) or "failed"), item)
        if check.get("done") and not _equal(item, dict(check.get("done")), sent, outputs):
            return Found("absent", f"not done: {json.dumps(item, default=str)[:200]}", item)
        return Found("done", item=item)
    if kind == "items":
        table = reader.output(str(check.get("table_output")))
        keys = [{name: fill(value, sent, outputs, previous, i=i) for name, value in dict(check.get("key")).items()}
                for i in range(rows)]  # fmt: skip
        present = reader.present(table, keys)
        return Found("done") if present == rows else Found("absent", f"{present} of {rows} rows")
    if kind == "object":
        found = reader.exists(reader.output(str(check.get("bucket_output"))), fill(check.get("key"), sent, outputs))
        return Found("done") if found else Found("absent")
    if kind == "message":
        wanted = fill(check.get("contains"), sent, outputs, previous)
        hits = [m for m in reader.messages(reader.output(str(check.get("queue_output")))) if wanted in m["Body"]]
        # one message delivered twice (SQS and SNS deliver at least once) is one: a consumer drops the
        # second by its id; two messages sent (two ids) are two
        sent_ids = {message_id(m) for m in hits}
        if len(sent_ids) > 1:
            again = f", {len(hits) - len(sent_ids)} delivered again" if len(hits) > len(sent_ids) else ""
            return Found("doubled", f"{len(sent_ids)} messages sent hold {wanted}{again}")
        return Found("done") if hits else Found("absent")
    raise ToolchainError(f"a check of kind {kind} is not read per input")


def dead_letter_reason(message: dict[str, Any]) -> str:
    """Why a message is in a dead-letter queue or an on-failure destination, as far as it says."""
    try:
        body = json.loads(message["Body"])
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("requestContext"), dict):
        payload = body.get("responsePayload") if isinstance(body.get("responsePayload"), dict) else {}
        error = ": ".join(str(payload[k]) for k in ("errorType", "errorMessage") if payload.get(k))
        return f"{body['requestContext'].get('condition', 'failed')}" + (f" ({error[:160]})" if error else "")
    if isinstance(body, dict) and body.get("reason"):
        return str(body["reason"])[:200]
    receives = message.get("Attributes", {}).get("ApproximateReceiveCount")
    return f"moved after {receives} receives" if receives else "dead-lettered"


def account(account_: Account, sent: Sent, reader: Reader, outputs: dict[str, Any]) -> Outcome:
    """Where one input ended (effects first: an input the edge refused on a retry may have been done)."""
    rows = int(account_.entry.get("rows") or 0)
    found: list[Found] = []
    previous: dict[str, Any] | None = None
    for check in account_.checks:
        result = check_one(check, sent, reader, outputs, rows, previous)
        found.append(result)
        previous = result.item
        if result.state != "done":
            break
    last = found[-1]
    if last.state == "done":
        return Outcome(sent, "processed")
    if last.state in ("doubled", "wrong", "refused"):
        return Outcome(sent, last.state, last.reason)
    if last.state == "failed":
        return Outcome(sent, "dead_lettered", last.reason)
    for queue in account_.dead_letters:
        for message in reader.messages(reader.output(queue)):
            if sent.tag in text_of(message):
                return Outcome(sent, "dead_lettered", dead_letter_reason(message))
    if last.state == "unanswered" or not sent.accepted:
        if sent.status is not None and 400 <= sent.status < 500:
            return Outcome(sent, "refused", f"answered {sent.status}")
        return Outcome(sent, "failed", sent.error or f"answered {sent.status}")
    return Outcome(sent, "lost", last.reason or "accepted, and found nowhere")
