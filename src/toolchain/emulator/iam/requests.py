"""What a request asks IAM for: the actions and resource ARNs AWS authorises it against.

moto authorises every non-S3 request against the resource "*"; AWS names the table, the queue, the
secret (with its random suffix), the alias-qualified function. One request can need several
authorisations: a BatchWriteItem each table, a TransactWriteItems each item's own action on its
table. Services and operations the platform's functions do not call are judged against "*", which
only a grant of "*" matches (docs/emulator.md lists which are resolved).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

# The signing name of a request -> the prefix of its IAM actions, where they differ.
IAM_PREFIX = {"monitoring": "cloudwatch", "email": "ses"}
# API operations whose IAM action is spelt differently (AWS's Service Authorization Reference).
IAM_ACTION = {
    "lambda:Invoke": "lambda:InvokeFunction",
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
    "sns:PublishBatch": "sns:Publish",
    "dynamodb:TransactGetItems": "dynamodb:GetItem",
}
# Calls IAM never denies (AWS's documentation of GetCallerIdentity: no permission is required).
ALWAYS_ALLOWED = frozenset({"sts:GetCallerIdentity"})
_TRANSACT = {"ConditionCheck": "ConditionCheckItem", "Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}


@dataclass(frozen=True)
class Call:
    service: str  # the request's signing name: dynamodb, sqs, monitoring, ...
    operation: str  # the API operation: PutItem, SendMessageBatch, Invoke
    account: str
    region: str
    params: dict[str, Any] = field(default_factory=dict)
    path: str = "/"


SecretArn = Callable[[str, str, str], str | None]  # (account, region, id or name) -> full ARN


def authorisations(call: Call, secret_arn: SecretArn | None = None) -> list[tuple[str, str]]:
    """(IAM action, resource ARN) pairs that must each be allowed (none for a call IAM never denies)."""
    prefix = IAM_PREFIX.get(call.service, call.service)
    action = IAM_ACTION.get(f"{prefix}:{call.operation}", f"{prefix}:{call.operation}")
    if action in ALWAYS_ALLOWED:
        return []
    resolve = _RESOLVERS.get(prefix)
    if resolve is None:
        return [(action, "*")]
    found = resolve(call, action, secret_arn)
    return found or [(action, "*")]


def _arn(call: Call, service: str, rest: str) -> str:
    return f"arn:aws:{service}:{call.region}:{call.account}:{rest}"


def _dynamodb(call: Call, action: str, _: SecretArn | None) -> list[tuple[str, str]]:
    p = call.params

    def table(name: str) -> str:
        return name if name.startswith("arn:") else _arn(call, "dynamodb", f"table/{name}")

    if call.operation in ("BatchWriteItem", "BatchGetItem"):
        return [(action, table(name)) for name in sorted(p.get("RequestItems") or {})]
    if call.operation in ("TransactWriteItems", "TransactGetItems"):
        pairs = []
        for item in p.get("TransactItems") or []:
            for kind, body in item.items():
                verb = "GetItem" if kind == "Get" else _TRANSACT.get(kind, kind)
                pairs.append((f"dynamodb:{verb}", table(str(body.get("TableName", "")))))
        return pairs
    name = p.get("TableName") or p.get("TableArn") or p.get("ResourceArn")
    if not name:
        return []
    index = p.get("IndexName")
    return [(action, table(str(name)) + (f"/index/{index}" if index else ""))]


def _secrets(call: Call, action: str, secret_arn: SecretArn | None) -> list[tuple[str, str]]:
    secret = str(call.params.get("SecretId") or "")
    if not secret:
        return []
    if not secret.startswith("arn:"):
        found = secret_arn(call.account, call.region, secret) if secret_arn is not None else None
        secret = found or _arn(call, "secretsmanager", f"secret:{secret}")
    return [(action, secret)]


def _sqs(call: Call, action: str, _: SecretArn | None) -> list[tuple[str, str]]:
    url = str(call.params.get("QueueUrl") or "")
    name = url.rstrip("/").rsplit("/", 1)[-1] if url else str(call.params.get("QueueName") or "")
    return [(action, _arn(call, "sqs", name))] if name else []


def _sns(call: Call, action: str, _: SecretArn | None) -> list[tuple[str, str]]:
    topic = call.params.get("TopicArn") or call.params.get("TargetArn")
    return [(action, str(topic))] if topic else []


def _lambda(call: Call, action: str, _: SecretArn | None) -> list[tuple[str, str]]:
    parts = call.path.strip("/").split("/")
    if len(parts) < 3 or parts[1] != "functions":
        return []
    name = unquote(parts[2])
    if not name.startswith("arn:"):
        name = _arn(call, "lambda", f"function:{name}")
    qualifier = call.params.get("Qualifier")
    if qualifier and name.count(":") == 6:
        name = f"{name}:{qualifier}"
    return [(action, name)]


def _states(call: Call, action: str, _: SecretArn | None) -> list[tuple[str, str]]:
    target = call.params.get("stateMachineArn") or call.params.get("executionArn")
    return [(action, str(target))] if target else []


def _kinesis(call: Call, action: str, _: SecretArn | None) -> list[tuple[str, str]]:
    arn = call.params.get("StreamARN")
    name = call.params.get("StreamName")
    if arn:
        return [(action, str(arn))]
    return [(action, _arn(call, "kinesis", f"stream/{name}"))] if name else []


def _ssm(call: Call, action: str, _: SecretArn | None) -> list[tuple[str, str]]:
    names = call.params.get("Names") or ([call.params["Name"]] if call.params.get("Name") else [])
    return [(action, _arn(call, "ssm", f"parameter/{str(n).lstrip('/')}")) for n in names]


def _events(call: Call, action: str, _: SecretArn | None) -> list[tuple[str, str]]:
    if call.operation != "PutEvents":
        return []
    buses = {str(e.get("EventBusName") or "default") for e in call.params.get("Entries") or []} or {"default"}
    return [(action, b if b.startswith("arn:") else _arn(call, "events", f"event-bus/{b}")) for b in sorted(buses)]


_RESOLVERS: dict[str, Callable[[Call, str, SecretArn | None], list[tuple[str, str]]]] = {
    "dynamodb": _dynamodb,
    "secretsmanager": _secrets,
    "sqs": _sqs,
    "sns": _sns,
    "lambda": _lambda,
    "states": _states,
    "kinesis": _kinesis,
    "ssm": _ssm,
    "events": _events,
}
