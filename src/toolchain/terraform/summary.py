"""Terraform's output, said in a few lines: what a plan changes, resource by resource, and why a
replacement is forced; the error of a failed apply. The whole output stays in a log file."""

from __future__ import annotations

import re

from toolchain.colour import PLAIN, Palette

_HEADER = re.compile(
    r"^  # (?P<address>\S+) (?:\(deposed object \w+\) )?(?P<what>will be created|will be destroyed|"
    r"will be updated in-place|must be replaced|will be read during apply)"
)
_MARK = {"will be created": "  +", "will be destroyed": "  -", "will be updated in-place": "  ~",
         "must be replaced": "-/+"}  # fmt: skip
_FORCED = re.compile(r"^\s*[-+~]/?[-+]?\s+\"?(?P<attribute>[\w.\[\]\"-]+)\"?\s*=.*# forces replacement")
_COUNTS = re.compile(r"^Plan: .*")


def summarise_plan(text: str, limit: int = 25) -> list[str]:
    """A plan's headline and one line per resource it changes (at most `limit`), replacements with the
    attributes that force them."""
    changes: list[tuple[str, str, list[str]]] = []
    for line in text.splitlines():
        if header := _HEADER.match(line):
            if header["what"] != "will be read during apply":  # a data source, not a change
                changes.append((header["address"], header["what"], []))
        elif changes and changes[-1][1] == "must be replaced" and (forced := _FORCED.match(line)):
            changes[-1][2].append(forced["attribute"])
    counts = next((line for line in text.splitlines() if _COUNTS.match(line)), None)
    if not changes:
        return ["    No changes."] if "No changes" in text or counts is None else [f"    {counts}"]
    shown = [f"    {counts or f'{len(changes)} changes'}"]
    if len(changes) > limit:  # a first apply: what is replaced, changed or destroyed matters, not each create
        created = [c for c in changes if c[1] == "will be created"]
        changes = [c for c in changes if c[1] != "will be created"]
        shown.append(f"    {len(created)} resources to create (--verbose, or the plan log, lists them)")
    for address, what, forced in changes[:limit]:
        reason = f" (forced by {', '.join(forced)})" if forced else ""
        shown.append(f"    {_MARK[what]} {address}{reason}")
    if len(changes) > limit:
        shown.append(f"    ... and {len(changes) - limit} more (--verbose, or the plan log, shows them all)")
    return shown


_PLAN_MARK = re.compile(r"^(    )(-/\+|  \+|  -|  ~)( .*)$")
_MARK_STYLE = {"-/+": "red", "  +": "green", "  -": "red", "  ~": "yellow"}


def painted(line: str, palette: Palette = PLAIN) -> str:
    """A summary line with its mark coloured as Terraform colours it (replace and destroy red, create
    green, update yellow), where the palette colours at all."""
    mark = _PLAN_MARK.match(line)
    return mark[1] + palette.paint(mark[2], _MARK_STYLE[mark[2]]) + mark[3] if mark else line


def failure_excerpt(text: str, lines: int = 60) -> str:
    """What a failed run said that matters: from its first error on, else its last lines."""
    all_lines = text.splitlines()
    first = next((i for i, line in enumerate(all_lines) if line.startswith("Error: ")), None)
    kept = all_lines[first : first + lines] if first is not None else all_lines[-lines:]
    return "".join(f"{line}\n" for line in kept)
