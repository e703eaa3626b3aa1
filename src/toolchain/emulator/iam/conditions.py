"""Policy conditions evaluated as IAM evaluates them, where the platform's policies use them.

moto skips condition operators it does not implement (treating them as holding) and answers DENIED
when a condition fails, where IAM ignores the statement instead. Together, any bucket policy with the
usual "deny unless TLS" statement denied every request. Here `Bool` conditions are evaluated
(`aws:SecureTransport` is true: the emulator stands in for TLS endpoints), and a statement whose
condition does not hold does not apply.
"""

from __future__ import annotations

from typing import Any

# The emulator speaks plain HTTP on localhost but stands in for AWS's TLS endpoints.
REQUEST_CONTEXT = {"aws:securetransport": "true"}


def as_list(value: Any) -> list[str]:
    """A policy element that may be one value or a list, as a list of strings."""
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def bool_conditions(original: Any, emulator: Any) -> Any:
    """IAMPolicyStatement._check_conditions, with `Bool` and `BoolIfExists` evaluated."""

    def check_conditions(self: Any, incoming: dict[str, str] | None) -> bool:
        known = {**REQUEST_CONTEXT, **{k.lower(): v for k, v in (incoming or {}).items()}}
        for operator, entries in (self._statement.get("Condition") or {}).items():
            if operator not in ("Bool", "BoolIfExists"):
                continue
            for key, expected in entries.items():
                actual = known.get(key.lower())
                if actual is not None and actual.lower() not in [e.lower() for e in as_list(expected)]:
                    return False
        return original(self, incoming)

    return check_conditions


def unmet_conditions_do_not_apply(original: Any, emulator: Any) -> Any:
    """IAMPolicyStatement.is_action_permitted: a statement whose condition does not hold is neutral."""
    from moto.iam.access_control import PermissionResult

    def is_action_permitted(self: Any, action: str, resource: str = "*", principal: str | None = None,
                            incoming_condition_values: dict[str, str] | None = None) -> Any:  # fmt: skip
        result = original(self, action, resource, principal, incoming_condition_values)
        if (
            result == PermissionResult.DENIED
            and self._statement.get("Condition")
            and not self._check_conditions(incoming_condition_values)
        ):
            return PermissionResult.NEUTRAL
        return result

    return is_action_permitted
