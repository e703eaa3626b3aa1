"""The resource-based policies of buckets, secrets, queues and topics, for the roles they name.

Within one account AWS allows a call when either the caller's identity policies or the resource's
own policy allow it, and refuses it when either explicitly denies it
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html). A
statement applies to a caller when its Principal names the role, the role's session, or "*"; one
naming the account ("arn:aws:iam::<account>:root") delegates to IAM, so it denies for every caller
of the account but allows none by itself. Only the statements that apply are handed to the identity
evaluation (evaluation.py), so actions, resources and conditions are matched the same way.
"""

from __future__ import annotations

import json
from typing import Any

from toolchain.emulator.iam.conditions import as_list
from toolchain.emulator.iam.evaluation import Policy


def _bucket(account: str, arn: str) -> Any:
    from moto.s3.models import s3_backends

    name = arn.split(":::", 1)[1].split("/", 1)[0]
    return s3_backends[account]["aws"].buckets.get(name)


def _secret(account: str, arn: str) -> Any:
    from moto.secretsmanager.models import secretsmanager_backends

    try:
        return secretsmanager_backends[account][arn.split(":")[3]].describe_secret(arn)
    except Exception:  # no such secret: the call fails as AWS fails it, with nothing to read here
        return None


def queue_at(arn: str) -> Any:
    """moto's queue that an ARN names; None when there is none."""
    from moto.sqs.models import sqs_backends

    parts = arn.split(":")
    return sqs_backends[parts[4]][parts[3]].queues.get(parts[5]) if len(parts) == 6 else None


def topic_at(arn: str) -> Any:
    """moto's topic that an ARN names; None when there is none."""
    from moto.sns.models import sns_backends

    parts = arn.split(":")
    return sns_backends[parts[4]][parts[3]].topics.get(arn) if len(parts) == 6 else None


_HOLDERS = {"s3": _bucket, "secretsmanager": _secret, "sqs": lambda _, arn: queue_at(arn),
            "sns": lambda _, arn: topic_at(arn)}  # fmt: skip


def policy_of(account: str, arn: str) -> Policy | None:
    """The resource policy of the bucket, secret, queue or topic an ARN names (an object's bucket's);
    None when it has none or is not one of those."""
    parts = arn.split(":")
    holder = _HOLDERS.get(parts[2]) if len(parts) >= 6 else None
    found = holder(account, arn) if holder else None
    text = getattr(found, "policy", None)
    if not text:
        return None
    try:
        document = json.loads(text)
    except (TypeError, ValueError):
        return None
    kind = {"s3": "bucket", "secretsmanager": "secret", "sqs": "queue", "sns": "topic"}[parts[2]]
    name = getattr(found, "name", None) or arn
    return Policy(f"{kind} policy of {name}", document) if isinstance(document, dict) else None


def _names(principal: Any, callers: set[str], account: str, effect: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    named = set(as_list(principal.get("AWS", [])))
    if "*" in named or named & callers:
        return True
    # The account as principal: a Deny covers all of its callers; an Allow only delegates to IAM.
    return effect == "Deny" and bool(named & {account, f"arn:aws:iam::{account}:root"})


def for_caller(policy: Policy, role_arn: str, session_arn: str) -> Policy | None:
    """The statements of a resource policy that apply to a role's session, without their Principal
    (already matched); None when none does."""
    account = role_arn.split(":")[4]
    callers = {role_arn, session_arn}
    kept = [
        {k: v for k, v in statement.items() if k not in ("Principal", "NotPrincipal")}
        for statement in policy.statements
        if isinstance(statement, dict)
        and _names(statement.get("Principal"), callers, account, str(statement.get("Effect")))
    ]
    return Policy(policy.name, {"Statement": kept}) if kept else None


def denies_are_judged_by_principal(original: Any, emulator: Any) -> Any:
    """FakeBucket.get_permission, which moto asks before an object's operation: its Allow still opens a
    bucket to anonymous requests, but a Deny is left to the authorisation, which reads whom the
    statement names and answers S3's AccessDenied."""

    def get_permission(self: Any, action: str, resource: str) -> Any:
        from moto.iam.access_control import PermissionResult

        result = original(self, action, resource)
        return PermissionResult.NEUTRAL if result == PermissionResult.DENIED else result

    return get_permission
