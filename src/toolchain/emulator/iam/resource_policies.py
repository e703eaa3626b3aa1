"""Lambda's resource policy: who may invoke a function (the statements `aws_lambda_permission` adds).

API Gateway, S3, SNS and EventBridge invoke a function only when one of its policy's statements
allows their service principal `lambda:InvokeFunction` on the ARN they invoke (alias-qualified
here), under the statement's conditions on the caller's source ARN and account. moto keeps a
permission on the version its alias pointed to when it was added; Lambda keeps it on the alias,
so every version's statements are read.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from toolchain.emulator.iam.conditions import as_list
from toolchain.emulator.iam.enforcement import refused

# Condition operators the platform's permissions use, as IAM compares (keys are case-insensitive).
_ARN_OPERATORS = {"arnlike", "arnequals", "stringlike", "stringequals"}


@dataclass(frozen=True)
class Invoker:
    service: str  # its principal: apigateway.amazonaws.com
    source_arn: str
    source_account: str


def _principal_matches(principal: Any, service: str) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return service in as_list(principal.get("Service", [])) or "*" in as_list(principal.get("AWS", []))
    return False


def _conditions_hold(conditions: dict[str, Any], invoker: Invoker) -> bool:
    # AWS:SourceOwner is the older key SNS topic policies use for the account a service acts for.
    known = {"aws:sourcearn": invoker.source_arn, "aws:sourceaccount": invoker.source_account,
             "aws:sourceowner": invoker.source_account}  # fmt: skip
    for operator, entries in (conditions or {}).items():
        name = operator.lower().removesuffix("ifexists")
        for key, expected in entries.items():
            actual = known.get(key.lower())
            if actual is None:
                if operator.lower().endswith("ifexists"):
                    continue
                return False
            if name not in _ARN_OPERATORS:
                return False  # an operator not evaluated here never grants
            patterns = as_list(expected)
            if name.endswith("like") and not any(fnmatch.fnmatchcase(actual, p) for p in patterns):
                return False
            if name.endswith("equals") and actual not in patterns:
                return False
    return True


def allowing_statement(
    statements: Iterable[dict[str, Any]], resource: str, invoker: Invoker, action: str = "lambda:InvokeFunction"
) -> str | None:
    """The Sid of a statement of a resource policy that lets `invoker` do `action` on `resource`; None
    when none does (a Deny that matches wins, as in IAM)."""
    allowed = None
    for statement in statements:
        actions = as_list(statement.get("Action", []))
        if not any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in actions):  # IAM ignores case here
            continue
        if not any(fnmatch.fnmatchcase(resource, r) for r in as_list(statement.get("Resource", []))):
            continue
        if not _principal_matches(statement.get("Principal"), invoker.service):
            continue
        if not _conditions_hold(statement.get("Condition") or {}, invoker):
            continue
        if statement.get("Effect") == "Deny":
            return None
        allowed = allowed or str(statement.get("Sid") or "statement")
    return allowed


def function_statements(account: str, region: str, function_name: str) -> list[dict[str, Any]]:
    """Every statement of the function's resource policy, whichever version moto keeps it on."""
    from moto.awslambda.utils import get_backend

    backend = get_backend(account, region)
    try:
        versions = backend.list_versions_by_function(function_name)
    except Exception:  # no such function: nothing allows invoking it
        return []
    seen: dict[str, dict[str, Any]] = {}
    for fn in versions:
        for statement in getattr(getattr(fn, "policy", None), "statements", []) or []:
            seen.setdefault(str(statement.get("Sid")), statement)
    return list(seen.values())


def may_invoke(function_arn: str, invoker: Invoker) -> str | None:
    """Whether `invoker` may invoke the (qualified) function ARN: the allowing statement's Sid, or None."""
    parts = function_arn.split(":")
    account, region, name = parts[4], parts[3], parts[6]
    return allowing_statement(function_statements(account, region, name), function_arn, invoker)


def permission_hint(function_arn: str, invoker: Invoker) -> str:
    """What Terraform resource would allow it."""
    qualifier = function_arn.split(":")[7] if function_arn.count(":") >= 7 else None
    name = function_arn.split(":")[6]
    return (f'aws_lambda_permission {{ function_name = "{name}"'
            + (f', qualifier = "{qualifier}"' if qualifier else "")
            + f', principal = "{invoker.service}", source_arn = "{invoker.source_arn}" }}')  # fmt: skip


def delivery_allowed(function_arn: str, invoker: Invoker, log: Callable[[str], None] | None, enforced: bool) -> bool:
    """Whether a service's asynchronous delivery (S3, SNS, EventBridge) may invoke the function. One
    its policy does not allow fails, unseen by whoever caused it, as on AWS; the log says what to add."""
    if may_invoke(function_arn, invoker) is not None:
        return True
    what = f"{invoker.service.split('.')[0]}: a delivery from {invoker.source_arn} to {function_arn} failed"
    why = f"its resource policy does not let {invoker.service} invoke it; add {permission_hint(function_arn, invoker)}"
    return refused(log, what, why, enforced)
