"""Reading a Terraform state (the JSON Terraform writes, version 4): the managed resources of a type."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def instances(state: dict[str, Any], kind: str) -> Iterator[dict[str, Any]]:
    """The attributes of every managed instance of Terraform type `kind`, in modules too."""
    for resource in state.get("resources") or []:
        if resource.get("mode") == "managed" and resource.get("type") == kind:
            for instance in resource.get("instances") or []:
                yield instance.get("attributes") or {}
