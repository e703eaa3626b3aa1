"""An audit of every IAM policy in a Terraform plan (`terraform show -json`), with values known.

Rules, for Allow statements:
- no action with a wildcard (`*`, `s3:*`, `s3:Get*`), no NotAction, no NotResource;
- `Resource: "*"` only for actions AWS gives no resource-level permission (RESOURCE_STAR_ALLOWED);
- in resource policies, no `Principal: "*"` without a condition.
Deny statements may use wildcards: "deny everything over plain HTTP" narrows access.
And: every Lambda function has a role of its own, declared in this configuration, with no managed
policy attached; every permission to invoke a function names the one resource that may (an S3
bucket also its account: bucket ARNs carry none), so no other account's bucket, topic or API can.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# Each of these accepts only "*" as its resource (AWS Service Authorization Reference).
RESOURCE_STAR_ALLOWED: dict[str, str] = {
    "xray:PutTraceSegments": "X-Ray trace upload",
    "xray:PutTelemetryRecords": "X-Ray daemon telemetry",
    "xray:GetSamplingRules": "X-Ray sampling (Step Functions tracing)",
    "xray:GetSamplingTargets": "X-Ray sampling (Step Functions tracing)",
    "logs:CreateLogDelivery": "Step Functions log delivery",
    "logs:GetLogDelivery": "Step Functions log delivery",
    "logs:UpdateLogDelivery": "Step Functions log delivery",
    "logs:DeleteLogDelivery": "Step Functions log delivery",
    "logs:ListLogDeliveries": "Step Functions log delivery",
    "logs:PutResourcePolicy": "Step Functions log delivery",
    "logs:DescribeResourcePolicies": "Step Functions log delivery",
    "logs:DescribeLogGroups": "Step Functions log delivery",
}

IDENTITY_POLICIES = {"aws_iam_role_policy": "policy", "aws_iam_policy": "policy", "aws_iam_user_policy": "policy"}
RESOURCE_POLICIES = {
    "aws_s3_bucket_policy": "policy",
    "aws_sqs_queue_policy": "policy",
    "aws_sns_topic_policy": "policy",
    "aws_iam_role": "assume_role_policy",
}


@dataclass
class IamAudit:
    findings: list[str] = field(default_factory=list)
    policies: int = 0
    statements: int = 0
    functions: int = 0
    roles: int = 0
    invoke_permissions: int = 0
    resource_star: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.findings


def _resources(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _resources(child)


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _principal_is_anyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any("*" in _listed(v) for v in principal.values())
    return False


def _check_statement(audit: IamAudit, where: str, statement: dict[str, Any], *, identity: bool) -> None:
    audit.statements += 1
    if statement.get("Effect", "Allow") != "Allow":
        return
    for key in ("NotAction", "NotResource"):
        if key in statement:
            audit.findings.append(f"{where}: Allow with {key} grants everything not listed")
    actions = [str(a) for a in _listed(statement.get("Action"))]
    for action in actions:
        if "*" in action or "?" in action:
            audit.findings.append(f"{where}: wildcard action {action!r}")
    if identity and "*" in _listed(statement.get("Resource")):
        for action in actions:
            if action in RESOURCE_STAR_ALLOWED:
                audit.resource_star.setdefault(action, []).append(where)
            else:
                audit.findings.append(f"{where}: {action} on Resource '*' (it supports narrower resources)")
    if not identity and _principal_is_anyone(statement.get("Principal")) and not statement.get("Condition"):
        audit.findings.append(f"{where}: Allow to Principal '*' without a condition")


def _check_document(audit: IamAudit, where: str, text: Any, *, identity: bool) -> None:
    if not isinstance(text, str) or not text:
        audit.findings.append(f"{where}: policy not known at plan time; deploy first so the plan has values")
        return
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        audit.findings.append(f"{where}: policy is not JSON")
        return
    audit.policies += 1
    for index, statement in enumerate(_listed(document.get("Statement"))):
        label = statement.get("Sid") or f"#{index}"
        _check_statement(audit, f"{where} [{label}]", statement, identity=identity)


def _check_invoke_permission(audit: IamAudit, where: str, values: dict[str, Any]) -> None:
    action, principal = str(values.get("action", "")), str(values.get("principal", ""))
    if action != "lambda:InvokeFunction":
        audit.findings.append(f"{where}: grants {action!r}, not only lambda:InvokeFunction")
    if principal == "*" or principal.isdigit() or principal.startswith("arn:"):
        audit.findings.append(f"{where}: lets principal {principal!r} invoke (not an AWS service of this platform)")
    elif not values.get("source_arn"):
        audit.findings.append(f"{where}: {principal} may invoke from any resource, in any account (no source_arn)")
    elif principal == "s3.amazonaws.com" and not values.get("source_account"):
        audit.findings.append(f"{where}: S3 permission without source_account (a bucket ARN names no account)")


def audit_plan(plan: dict[str, Any]) -> IamAudit:
    audit = IamAudit()
    resources = list(_resources(plan.get("planned_values", {}).get("root_module", {})))
    roles: dict[str, str] = {}
    functions: dict[str, str] = {}
    for resource in resources:
        kind, address, values = resource["type"], resource["address"], resource.get("values") or {}
        if kind in IDENTITY_POLICIES:
            _check_document(audit, address, values.get(IDENTITY_POLICIES[kind]), identity=True)
        if kind in RESOURCE_POLICIES:
            _check_document(audit, address, values.get(RESOURCE_POLICIES[kind]), identity=False)
        if kind == "aws_iam_role":
            roles[str(values.get("arn"))] = address
        if kind == "aws_lambda_function":
            if values.get("role"):
                functions[address] = str(values["role"])
            else:
                audit.findings.append(f"{address}: role not known at plan time; deploy first")
        if kind == "aws_lambda_permission":
            audit.invoke_permissions += 1
            _check_invoke_permission(audit, address, values)
        if kind == "aws_iam_role_policy_attachment":
            audit.findings.append(f"{address}: managed policy {values.get('policy_arn')} attached (not auditable here)")
    audit.functions, audit.roles = len(functions), len(roles)
    users: dict[str, list[str]] = {}
    for function, role in sorted(functions.items()):
        users.setdefault(role, []).append(function)
        if role not in roles:
            audit.findings.append(f"{function}: role {role} is not declared in this configuration")
    for role, shared in sorted(users.items()):
        if len(shared) > 1:
            audit.findings.append(f"role {role} is shared by {', '.join(shared)}: one role per function")
    return audit
