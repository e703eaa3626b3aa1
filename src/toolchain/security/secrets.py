"""Search text for secret values, in the forms they would take if they leaked.

A value can leak as written, JSON-escaped, base64-encoded (an HTTP Basic header, a Terraform
`base64encode`) or URL-encoded (a query string); each form is searched.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

MIN_SECRET_LENGTH = 16


@dataclass(frozen=True)
class Leak:
    secret: str
    place: str
    form: str

    def __str__(self) -> str:
        # Never the value itself: the report must not become the leak.
        return f"{self.secret} found in {self.place} ({self.form})"


def _forms(value: str) -> dict[str, str]:
    raw = value.encode()
    return {
        "as written": value,
        "JSON-escaped": json.dumps(value)[1:-1],
        "base64": base64.b64encode(raw).decode()[: (len(raw) // 3) * 4],
        "URL-encoded": quote(value, safe=""),
    }


def find_leaks(secrets: Mapping[str, str], places: Mapping[str, str]) -> list[Leak]:
    """Every (secret, place, form) where a secret's value appears; `places` maps a name to its text."""
    leaks = []
    for name, value in sorted(secrets.items()):
        if len(value) < MIN_SECRET_LENGTH:
            raise ValueError(f"secret {name} is shorter than {MIN_SECRET_LENGTH} characters: too short to search for")
        for form, needle in _forms(value).items():
            for place, text in places.items():
                if needle in text:
                    leaks.append(Leak(name, place, form))
    return sorted(set(leaks), key=str)
