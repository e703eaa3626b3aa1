"""Least privilege measured: what each role's policies grant against what its functions really used.

The emulator records every distinct action and resource a function's role was allowed, and every
denial (`/_emulator/iam`). A grant no recorded call matches is either unused (remove it) or serves a
path no run exercised (test it); a grant that is needed outside the handler says why with a comment
`# iam.report: <reason>` on the line above its `sid` in infra/. Denials are grants missing.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_REASON = re.compile(r"#\s*iam\.report:\s*(?P<reason>.+?)\s*\n\s*sid\s*=\s*\"(?P<sid>[^\"]+)\"")


@dataclass(frozen=True)
class Grant:
    role: str
    policy: str
    sid: str
    action: str  # one action pattern of the statement
    resources: tuple[str, ...]


@dataclass
class RoleUsage:
    role: str
    unused: list[Grant] = field(default_factory=list)
    explained: list[tuple[Grant, str]] = field(default_factory=list)
    used: int = 0
    denied: list[tuple[str, str]] = field(default_factory=list)


def _listed(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def grants(role: str, policies: dict[str, dict[str, Any]]) -> list[Grant]:
    """Each allowed action pattern of each statement of the role's policies (name -> document)."""
    found = []
    for name, document in sorted(policies.items()):
        statements = document.get("Statement", [])
        for index, statement in enumerate(statements if isinstance(statements, list) else [statements]):
            if statement.get("Effect") != "Allow" or "Action" not in statement:
                continue
            sid = str(statement.get("Sid") or f"statement {index + 1}")
            resources = tuple(_listed(statement.get("Resource", "*")))
            found.extend(Grant(role, name, sid, action, resources) for action in _listed(statement["Action"]))
    return found


def reasons(infra: Path) -> dict[str, str]:
    """Sid -> why its grant is needed though no handler call uses it, from `# iam.report:` comments."""
    found = {}
    for path in sorted(infra.rglob("*.tf")):
        for match in _REASON.finditer(path.read_text(encoding="utf-8")):
            found[match["sid"]] = match["reason"]
    return found


def _matches(grant: Grant, action: str, resource: str) -> bool:
    return fnmatch.fnmatchcase(action.lower(), grant.action.lower()) and any(
        fnmatch.fnmatchcase(resource, pattern) for pattern in grant.resources
    )


def measure(roles: dict[str, dict[str, dict[str, Any]]], authorisations: dict[str, Any],
            explained: dict[str, str]) -> list[RoleUsage]:  # fmt: skip
    """Per role (ARN -> its policies): grants no recorded call used, explained or not, and denials."""
    used_by_role: dict[str, list[tuple[str, str]]] = {}
    for entry in authorisations.get("used", []):
        used_by_role.setdefault(entry["role"], []).append((entry["action"], entry["resource"]))
    denied_by_role: dict[str, set[tuple[str, str]]] = {}
    for denial in authorisations.get("denials", []):
        denied_by_role.setdefault(denial["role"], set()).add((denial["action"], denial["resource"]))
    report = []
    for role, policies in sorted(roles.items()):
        calls = used_by_role.get(role, [])
        usage = RoleUsage(role, used=len(calls), denied=sorted(denied_by_role.get(role, set())))
        for grant in grants(role, policies):
            if any(_matches(grant, action, resource) for action, resource in calls):
                continue
            if grant.sid in explained:
                usage.explained.append((grant, explained[grant.sid]))
            else:
                usage.unused.append(grant)
        report.append(usage)
    return report


def lines(report: Iterable[RoleUsage], verbose: bool = False) -> list[str]:
    out = []
    for usage in report:
        name = usage.role.rsplit("/", 1)[-1]
        out.append(f"{name}: {usage.used} distinct calls, {len(usage.unused)} unused grants, "
                   f"{len(usage.denied)} denied")  # fmt: skip
        for grant in usage.unused:
            out.append(f"  unused: {grant.sid}: {grant.action} on {', '.join(grant.resources)}")
        for action, resource in usage.denied:
            out.append(f"  missing: {action} on {resource}")
        if verbose:
            for grant, why in usage.explained:
                out.append(f"  explained: {grant.sid}: {grant.action} ({why})")
    return out
