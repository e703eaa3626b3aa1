"""Identity policies evaluated as IAM evaluates them, statement by statement, so that a denial can say
which policy was read, which statement denied (if one did) and what statement would allow the call.

Matching (wildcards in actions and resources, NotAction, NotResource, conditions) is moto's own
IAMPolicyStatement, with the condition corrections of conditions.py; the order is IAM's: an explicit
Deny wins, then any Allow, else the implicit deny.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Policy:
    name: str
    document: dict[str, Any]

    @property
    def statements(self) -> list[dict[str, Any]]:
        found = self.document.get("Statement", [])
        return found if isinstance(found, list) else [found]


@dataclass(frozen=True)
class Decision:
    action: str
    resource: str
    allowed: bool
    allowed_by: str | None = None  # "policy/sid"
    denied_by: str | None = None  # "policy/sid" of an explicit Deny
    policies: tuple[str, ...] = field(default=())
    denied_by_resource: bool = False  # the explicit Deny is in the resource's own policy

    @property
    def reason(self) -> str:
        """Why, in AWS's words (the tail of its AccessDenied message)."""
        if self.denied_by:
            kind = "a resource-based" if self.denied_by_resource else "an identity-based"
            return f"with an explicit deny in {kind} policy"
        return f"because no identity-based policy allows the {self.action} action"


def _name(policy: Policy, index: int, statement: dict[str, Any]) -> str:
    return f"{policy.name}/{statement.get('Sid') or f'statement {index + 1}'}"


def evaluate(policies: list[Policy], action: str, resource: str, context: dict[str, str] | None = None) -> Decision:
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    allowed_by = None
    for policy in policies:
        for index, statement in enumerate(policy.statements):
            result = IAMPolicyStatement(statement).is_action_permitted(action, resource, None, context or {})
            if result == PermissionResult.DENIED:
                return Decision(action, resource, False, denied_by=_name(policy, index, statement),
                                policies=tuple(p.name for p in policies))  # fmt: skip
            if result == PermissionResult.PERMITTED and allowed_by is None:
                allowed_by = _name(policy, index, statement)
    return Decision(action, resource, allowed_by is not None, allowed_by=allowed_by,
                    policies=tuple(p.name for p in policies))  # fmt: skip


def combine(identity: Decision, resource: Decision | None) -> Decision:
    """Identity and resource policies of one account together: an explicit Deny in either wins, then
    an Allow in either."""
    if resource is None:
        return identity
    policies = identity.policies + resource.policies
    if identity.denied_by or resource.denied_by:
        return Decision(identity.action, identity.resource, False, denied_by=identity.denied_by or resource.denied_by,
                        policies=policies, denied_by_resource=not identity.denied_by)  # fmt: skip
    allowed_by = identity.allowed_by or resource.allowed_by
    return Decision(identity.action, identity.resource, allowed_by is not None, allowed_by=allowed_by,
                    policies=policies)  # fmt: skip


def role_policies(account: str, role_name: str) -> list[Policy] | None:
    """The inline and attached policies of a role as moto holds them now; None when no such role."""
    from moto.iam.models import iam_backends

    backend = iam_backends[account]["aws"]
    try:
        backend.get_role(role_name)
    except Exception:  # moto's NoSuchEntity: the role was deleted under a running function
        return None
    found = []
    for name in backend.list_role_policies(role_name):
        _, document = backend.get_role_policy(role_name, name)
        found.append(Policy(name, json.loads(document) if isinstance(document, str) else document))
    attached, _ = backend.list_attached_role_policies(role_name)
    for managed in attached:
        version = next(v for v in managed.versions if v.is_default)
        document = version.document
        found.append(Policy(managed.name, json.loads(document) if isinstance(document, str) else document))
    return found


def suggestion(action: str, resource: str) -> str:
    """The statement that would allow the call, as the lambda_function module's policy_statements take it."""
    return f'{{ sid = "...", actions = ["{action}"], resources = ["{resource}"] }}'
