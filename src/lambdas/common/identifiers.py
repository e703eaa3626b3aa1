"""Identifiers, currencies and SKUs: checked over the whole string, in ASCII.

`re.match` with a pattern ending in `$` accepts one trailing newline ("A1\\n" matches `^A1$`), and
`\\d`, `\\w` and `[a-z]` under re.IGNORECASE reach far beyond ASCII: that is how "A1\\n" became a
second order A1. Every rule here is a `Shape`, which tests with `fullmatch` on a pattern compiled
with re.ASCII, so neither can happen; tests/unit/lambdas/common/test_identifiers.py holds every
pattern under src/lambdas to the same rule.
"""

from __future__ import annotations

import re
from typing import Any


class Shape:
    """A whole-string ASCII pattern with the words that describe it to a caller."""

    __slots__ = ("_pattern", "description")

    def __init__(self, pattern: str, description: str) -> None:
        self._pattern = re.compile(pattern, re.ASCII)
        self.description = description

    def holds(self, value: Any) -> bool:
        """True when `value` is a str that the pattern matches from its first character to its last."""
        return isinstance(value, str) and self._pattern.fullmatch(value) is not None

    @property
    def pattern(self) -> re.Pattern[str]:
        return self._pattern


# An order, customer, job or sale id as producers write them.
ID = Shape(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", "1-64 letters, digits, _ or -")
SKU = Shape(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", "1-64 letters, digits, _ . or -")
CURRENCY = Shape(r"[A-Z]{3}", "a three-letter ISO 4217 code")
