"""A saved plan as Markdown, for a CI job's summary page (GitHub's `GITHUB_STEP_SUMMARY` file).

The reviewer of a promotion sees, without opening the logs, what the plan adds, changes, replaces
and destroys, resource by resource, and which manifest it deploys.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

_VERBS = {
    ("create",): "add",
    ("update",): "change",
    ("delete",): "destroy",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
}


def plan_markdown(env: str, target: str, manifest_sha: str, plan: Mapping[str, Any]) -> str:
    rows: list[tuple[str, str]] = []
    for change in plan.get("resource_changes", []):
        actions = tuple(change.get("change", {}).get("actions", []))
        verb = _VERBS.get(actions)
        if verb is not None:
            rows.append((verb, change.get("address", "?")))
    counts = {verb: sum(1 for v, _ in rows if v == verb) for verb in ("add", "change", "replace", "destroy")}
    lines = [
        f"### Plan for {env} on {target}",
        "",
        f"Manifest `{manifest_sha[:12]}`: " + ", ".join(f"{n} to {verb}" for verb, n in counts.items()) + ".",
        "",
    ]
    if rows:
        lines += ["| action | resource |", "|---|---|"]
        lines += [f"| {verb} | `{address}` |" for verb, address in sorted(rows, key=lambda r: (r[0] != "destroy", r))]
    else:
        lines.append("No resource changes.")
    return "\n".join(lines) + "\n"


def write_step_summary(markdown: str, environ: Mapping[str, str]) -> bool:
    """Append to the CI job's summary when there is one (GITHUB_STEP_SUMMARY); False otherwise."""
    target = environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return False
    with Path(target).open("a", encoding="utf-8") as summary:
        summary.write(markdown + "\n")
    return True
