"""Users and the rules their fields follow. No AWS here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lambdas.common.exceptions import Conflict, NotFound, ValidationFailed
from lambdas.common.identifiers import Shape

NAME_MAX = 200
EMAIL_MAX = 254
# Pragmatic address check: one @, a dotted domain, no spaces; deliverability is the mail server's job.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL = Shape(rf"[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})+", "a valid email address")
WRITABLE_FIELDS = frozenset({"name", "email"})


class UserNotFound(NotFound):
    code = "user_not_found"


class EmailTaken(Conflict):
    code = "email_taken"


@dataclass(frozen=True)
class User:
    user_id: str
    name: str
    email: str
    created_at: str
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "userId": self.user_id,
            "name": self.name,
            "email": self.email,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }


def email_key(email: str) -> str:
    """The form under which an address is unique: case does not make two addresses different."""
    return email.lower()


def _check_name(value: Any, errors: dict[str, str]) -> str | None:
    if not isinstance(value, str):
        errors["name"] = "must be a string"
        return None
    name = value.strip()
    if not 1 <= len(name) <= NAME_MAX:
        errors["name"] = f"must be 1-{NAME_MAX} characters"
        return None
    return name


def _check_email(value: Any, errors: dict[str, str]) -> str | None:
    if not isinstance(value, str):
        errors["email"] = "must be a string"
        return None
    email = value.strip()
    if len(email) > EMAIL_MAX or not EMAIL.holds(email):
        errors["email"] = "must be a valid email address"
        return None
    return email


def validate(body: Any, *, partial: bool) -> dict[str, str]:
    """The writable fields of a request body; ValidationFailed naming every offending field."""
    if not isinstance(body, dict):
        raise ValidationFailed("the body must be a JSON object", details={"fields": {"body": "must be an object"}})
    errors: dict[str, str] = {}
    for unknown in sorted(set(body) - WRITABLE_FIELDS):
        errors[str(unknown)[:100]] = "unknown field"
    if not partial:
        for required in sorted(WRITABLE_FIELDS - set(body)):
            errors[required] = "is required"
    elif not set(body) & WRITABLE_FIELDS and not errors:
        errors["body"] = "name or email is required"
    values: dict[str, str] = {}
    if "name" in body and (name := _check_name(body["name"], errors)) is not None:
        values["name"] = name
    if "email" in body and (email := _check_email(body["email"], errors)) is not None:
        values["email"] = email
    if errors:
        raise ValidationFailed("the request body is invalid", details={"fields": errors})
    return values
