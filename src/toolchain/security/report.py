"""The security gate's results as text for a person (and for docs/security.md's table)."""

from __future__ import annotations

from toolchain.security.gate import SecretSearch
from toolchain.security.iam import IamAudit
from toolchain.security.scanners import ScanResult


def scan_table(results: list[ScanResult], *, require_complete: bool) -> str:
    header = ("scanner", "target", "passed", "failed", "skipped", "verdict")
    rows = [header] + [
        (r.name, r.target, str(r.passed), str(r.failed), str(r.skipped), r.verdict(require_complete=require_complete))
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    for result in results:
        lines += [f"{result.name}: {finding}" for finding in result.findings]
        lines += [f"{result.name}: note: {note}" for note in result.notes]
    return "\n".join(lines)


def iam_report(audit: IamAudit) -> str:
    lines = [
        f"IAM audit: {audit.policies} policies, {audit.statements} statements, "
        f"{audit.functions} functions on {audit.roles} roles, {audit.invoke_permissions} invoke permissions: "
        + ("no findings" if audit.ok else f"{len(audit.findings)} findings")
    ]
    for action, where in sorted(audit.resource_star.items()):
        lines.append(f"  Resource '*' allowed for {action} ({len(where)} statements)")
    lines += [f"  FINDING {finding}" for finding in audit.findings]
    return "\n".join(lines)


def secrets_report(search: SecretSearch) -> str:
    total = sum(search.places.values())
    lines = [
        f"Secret search: {len(search.secrets)} secrets ({', '.join(search.secrets)}) in {len(search.places)} places "
        f"({total} characters): " + ("not found" if search.ok else f"{len(search.leaks)} LEAKS")
    ]
    lines += [f"  LEAK {leak}" for leak in search.leaks]
    return "\n".join(lines)
