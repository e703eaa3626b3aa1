"""What a request asks IAM for: the actions and resource ARNs AWS authorises it against.

moto authorises every non-S3 request against the resource "*"; AWS names the table, the queue, the
secret (with its random suffix), the alias-qualified function. One request can need several
authorisations: a BatchWriteItem each table, a TransactWriteItems each item's own action on its
table. The control plane Terraform and the deploy tasks call is resolved too (roles, log groups,
alarms, rules, keys, topics, state machines, layers; API Gateway by HTTP verb and path, as its IAM
actions are spelt), and a call that hands a role to a service also needs iam:PassRole on it. What is
left is judged against "*", which only a grant of "*" matches, as AWS judges its list operations
(docs/emulator.md lists which are resolved).
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
    method: str = "POST"


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
    found = resolve(call, action, secret_arn) or [(action, "*")]
    return found + [("iam:PassRole", role) for role in _passed_roles(call)]


# Parameters that hand a role to a service (the service then acts as it): IAM asks for iam:PassRole.
_PASSED_ROLE = {
    ("lambda", "CreateFunction"): "Role",
    ("lambda", "UpdateFunctionConfiguration"): "Role",
    ("states", "CreateStateMachine"): "roleArn",
    ("states", "UpdateStateMachine"): "roleArn",
}


def _passed_roles(call: Call) -> list[str]:
    prefix = IAM_PREFIX.get(call.service, call.service)
    if prefix == "events" and call.operation == "PutTargets":
        return sorted({str(t["RoleArn"]) for t in call.params.get("Targets") or [] if t.get("RoleArn")})
    name = _PASSED_ROLE.get((prefix, call.operation))
    role = call.params.get(name) if name else None
    return [str(role)] if role else []


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
    if not secret and call.operation == "CreateSecret" and call.params.get("Name"):
        # the ARN's random suffix does not exist yet: a grant on "secret:<name>*" or "<prefix>/*" matches
        return [(action, _arn(call, "secretsmanager", f"secret:{call.params['Name']}"))]
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
    topic = call.params.get("TopicArn") or call.params.get("TargetArn") or call.params.get("ResourceArn")
    if not topic and call.operation == "CreateTopic" and call.params.get("Name"):
        topic = _arn(call, "sns", str(call.params["Name"]))
    return [(action, str(topic))] if topic else []


def _lambda(call: Call, action: str, _: SecretArn | None) -> list[tuple[str, str]]:
    parts = call.path.strip("/").split("/")
    if len(parts) >= 3 and parts[1] == "layers":
        version = f":{parts[4]}" if len(parts) >= 5 and parts[3] == "versions" else ""
        return [(action, _arn(call, "lambda", f"layer:{unquote(parts[2])}{version}"))]
    if len(parts) >= 3 and parts[1] == "event-source-mappings":
        return [(action, _arn(call, "lambda", f"event-source-mapping:{parts[2]}"))]
    if call.operation == "CreateFunction" and call.params.get("FunctionName"):
        return [(action, _arn(call, "lambda", f"function:{call.params['FunctionName']}"))]
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
    target = call.params.get("stateMachineArn") or call.params.get("executionArn") or call.params.get("resourceArn")
    if not target and call.operation == "CreateStateMachine" and call.params.get("name"):
        target = _arn(call, "states", f"stateMachine:{call.params['name']}")
    return [(action, str(target))] if target else []


def _kinesis(call: Call, action: str, _: SecretArn | None) -> list[tuple[str, str]]:
    arn = call.params.get("StreamARN")
    name = call.params.get("StreamName")
    if arn:
        return [(action, str(arn))]
    return [(action, _arn(call, "kinesis", f"stream/{name}"))] if name else []


def _ssm(call: Call, action: str, _: SecretArn | None) -> list[tuple[str, str]]:
    if call.params.get("ResourceType") == "Parameter" and call.params.get("ResourceId"):
        return [(action, _arn(call, "ssm", f"parameter/{str(call.params['ResourceId']).lstrip('/')}"))]
    names = call.params.get("Names") or ([call.params["Name"]] if call.params.get("Name") else [])
    return [(action, _arn(call, "ssm", f"parameter/{str(n).lstrip('/')}")) for n in names]


def _events(call: Call, action: str, _: SecretArn | None) -> list[tuple[str, str]]:
    if call.params.get("ResourceARN"):
        return [(action, str(call.params["ResourceARN"]))]
    rule = (
        call.params.get("Rule")
        if call.operation in ("PutTargets", "RemoveTargets", "ListTargetsByRule")
        else call.params.get("Name")
    )
    if rule and call.operation != "PutEvents":
        bus = str(call.params.get("EventBusName") or "default")
        return [(action, _arn(call, "events", f"rule/{rule}" if bus == "default" else f"rule/{bus}/{rule}"))]
    if call.operation != "PutEvents":
        return []
    buses = {str(e.get("EventBusName") or "default") for e in call.params.get("Entries") or []} or {"default"}
    return [(action, b if b.startswith("arn:") else _arn(call, "events", f"event-bus/{b}")) for b in sorted(buses)]


def _iam(call: Call, action: str, _: SecretArn | None) -> list[tuple[str, str]]:
    p = call.params
    if p.get("RoleName"):
        return [(action, f"arn:aws:iam::{call.account}:role/{p['RoleName']}")]
    if p.get("PolicyArn"):
        return [(action, str(p["PolicyArn"]))]
    if p.get("OpenIDConnectProviderArn"):
        return [(action, str(p["OpenIDConnectProviderArn"]))]
    return []


def _logs(call: Call, action: str, _: SecretArn | None) -> list[tuple[str, str]]:
    group = call.params.get("logGroupName")
    if group:
        return [(action, _arn(call, "logs", f"log-group:{group}"))]
    arn = call.params.get("resourceArn")
    return [(action, str(arn))] if arn else []


def _listed(params: dict[str, Any], name: str) -> list[str]:
    """A list parameter in either protocol: JSON's list, or the query protocol's Name.member.N."""
    if isinstance(params.get(name), list):
        return [str(v) for v in params[name]]
    return [str(v) for k, v in sorted(params.items()) if k.startswith(f"{name}.member.")]


def _cloudwatch(call: Call, action: str, _: SecretArn | None) -> list[tuple[str, str]]:
    p = call.params
    alarms = _listed(p, "AlarmNames") or ([str(p["AlarmName"])] if p.get("AlarmName") else [])
    if alarms and call.operation != "DescribeAlarms":
        return [(action, _arn(call, "cloudwatch", f"alarm:{name}")) for name in alarms]
    dashboards = _listed(p, "DashboardNames") or ([str(p["DashboardName"])] if p.get("DashboardName") else [])
    if dashboards:
        return [(action, f"arn:aws:cloudwatch::{call.account}:dashboard/{name}") for name in dashboards]
    return [(action, str(p["ResourceARN"]))] if p.get("ResourceARN") else []


def _kms(call: Call, action: str, _: SecretArn | None) -> list[tuple[str, str]]:
    p = call.params
    found = []
    if p.get("AliasName"):
        found.append((action, _arn(call, "kms", str(p["AliasName"]))))
    key = str(p.get("TargetKeyId") or p.get("KeyId") or "")
    if key and not key.startswith("alias/"):
        found.append((action, key if key.startswith("arn:") else _arn(call, "kms", f"key/{key}")))
    return found


def _apigateway(call: Call, _action: str, _: SecretArn | None) -> list[tuple[str, str]]:
    # API Gateway's management API is authorised by HTTP verb on the resource's path, not by operation
    return [(f"apigateway:{call.method.upper()}", f"arn:aws:apigateway:{call.region}::{unquote(call.path)}")]


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
    "iam": _iam,
    "logs": _logs,
    "cloudwatch": _cloudwatch,
    "kms": _kms,
    "apigateway": _apigateway,
}
