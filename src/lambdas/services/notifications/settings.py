"""The notifications subscriber's settings: none of its own (it reads only what every function does)."""

from __future__ import annotations

VARIABLES: tuple[str, ...] = ()
