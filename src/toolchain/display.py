"""Text for people: Terraform outputs as an aligned table, byte sizes."""

from __future__ import annotations

from typing import Any

from toolchain.colour import PLAIN, Palette


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        rows = []
        for key in sorted(value):
            rows += flatten(value[key], f"{prefix}.{key}" if prefix else str(key))
        return rows
    if isinstance(value, list):
        return [(prefix, ", ".join(str(v) for v in value) or "-")]
    return [(prefix, "-" if value is None else str(value))]


def table(outputs: dict[str, Any]) -> str:
    rows = flatten(outputs)
    if not rows:
        return "(no outputs)"
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name.ljust(width)}  {value}" for name, value in rows)


def size(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GB"


def environment_report(env: str, target: str, outputs: dict[str, Any], local_api_url: str | None = None,
                       palette: Palette = PLAIN) -> str:  # fmt: skip
    """What an operator wants to see first: where it is, what runs (version and code hash), what to watch;
    what differs from a plain release (a canary, a rollback) in yellow, alarms firing in red."""
    manifest = str(outputs.get("deployed_manifest_sha256", "?"))[:12]
    build = outputs.get("deployed_target", "?")
    lines = [f"{env} on the {target}  ({outputs.get('region', '?')}, build {build}, manifest {manifest})", ""]
    lines.append(f"API        {outputs.get('api_url', '-')}")
    if local_api_url:
        lines.append(f"  served at {local_api_url}")
    lines += [f"Dashboard  {outputs.get('dashboard_name', '-')}", ""]
    functions = outputs.get("functions") or {}
    if functions:
        width = max(len(n) for n in functions)
        lines.append(f"{'function'.ljust(width)}  live (published)  code sha256 (base64)                          "
                     "memory  name")  # fmt: skip
        for name in sorted(functions):
            fn = functions[name]
            memory = str(fn.get("memory_size", "-"))
            version = _version(fn)
            shown = (
                palette.paint(f"{version:<16}", "yellow")
                if version != str(fn.get("version", "-"))
                else f"{version:<16}"
            )
            code = fn.get("source_code_hash", "-")
            lines.append(f"{name.ljust(width)}  {shown}  {code:<44}  {memory:>6}  {fn.get('function_name', '-')}")
        lines.append("")
    for title, key in (("queues", "queues"), ("topics", "topics")):
        values = outputs.get(key) or {}
        if values:
            lines.append(f"{title}:")
            lines += [f"  {name:<20} {value or '-'}" for name, value in sorted(values.items())]
            lines.append("")
    alarms = outputs.get("alarm_names") or []
    states = outputs.get("alarm_states") or {}
    firing = [a for a in alarms if states.get(a) == "ALARM"]
    summary = f", {len(firing)} in ALARM" if states else ""
    lines.append(f"alarms ({len(alarms)}{summary}, to {outputs.get('alarm_topic_arn', '-')}):")
    # What fires first, by name; the rest two to a row: a person scans them for one name, --json has them all.
    lines += [f"  {palette.paint('ALARM', 'bold', 'red')}  {a}" for a in firing]
    quiet = [a for a in alarms if a not in firing]
    if quiet:
        width = max(len(a) for a in quiet)
        for start in range(0, len(quiet), 2):
            lines.append("  " + "  ".join(a.ljust(width) for a in quiet[start : start + 2]).rstrip())
    return "\n".join(lines)


def _version(fn: dict[str, Any]) -> str:
    """The version `live` serves (with a canary's share), and Terraform's where they differ."""
    published = str(fn.get("version", "-"))
    live = fn.get("live")
    if not isinstance(live, dict):
        return published
    shares = ", ".join(f"+{v} {w:.0%}" for v, w in sorted((live.get("weights") or {}).items()))
    served = f"{live.get('version')}" + (f" {shares}" if shares else "")
    return served if str(live.get("version")) == published and not shares else f"{served} ({published})"
