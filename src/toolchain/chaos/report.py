"""The account of a chaos run as a person reads it: one row per entry point, the faults and
disruptions that happened, and why each input that was not processed went where it did."""

from __future__ import annotations

from collections import Counter

from toolchain.chaos.outcomes import OUTCOMES
from toolchain.chaos.run import Report

HEADINGS = {"inputs": "inputs", "processed": "processed", "dead_lettered": "dead-lettered", "refused": "refused",
            "failed": "failed", "wrong": "wrong", "lost": "lost", "doubled": "doubled"}  # fmt: skip
REASONS_SHOWN = 12


def table(report: Report) -> list[str]:
    columns = ["inputs", *OUTCOMES]
    width = max(len("entry point"), *(len(name) for name in report.rows))
    lines = ["  ".join([f"{'entry point':<{width}}", *(f"{HEADINGS[c]:>{len(HEADINGS[c])}}" for c in columns)])]
    for name, row in [*report.rows.items(), ("total", report.totals)]:
        lines.append("  ".join([f"{name:<{width}}", *(f"{row[c]:>{len(HEADINGS[c])}}" for c in columns)]))
    return lines


def text(report: Report, *, verbose: bool = False) -> str:
    injected = ", ".join(f"{name} {count}" for name, count in sorted(report.faults["injected"].items())) or "none"
    lines = [f"Chaos run, seed {report.seed}, {report.seconds:.0f} s (plan {report.fingerprint}, run {report.run_id})",
             f"Faults injected: {injected}"]  # fmt: skip
    if report.sent_seconds > report.seconds * 1.1:
        behind = f"{report.sent_seconds:.0f} s to send the plan's {report.seconds:.0f} s of inputs"
        lines.append(f"  the clients took {behind} (the platform answered more slowly than the plan sent)")
    for done in report.disruptions:
        what = (f"crashed {done['crashed']} worker(s) of {done['target']}" if done["kind"] == "crash-workers"
                else f"emulator killed and back in {done['down_seconds']:.1f} s")  # fmt: skip
        lines.append(f"  at {done['at']:.1f} s: {what}")
    lines += ["", *table(report), ""]
    reasons = Counter((d["entry"], d["outcome"], d["reason"]) for d in report.details)
    shown = reasons.most_common(None if verbose else REASONS_SHOWN)
    for (entry, outcome, reason), count in shown:
        lines.append(f"  {entry}: {count} {HEADINGS[outcome]}: {reason or '(no reason given)'}")
    if len(reasons) > len(shown):
        lines.append(f"  ... {len(reasons) - len(shown)} more reasons (--verbose)")
    totals = report.totals
    verdict = ("every input accounted for: nothing lost, nothing doubled" if report.clean else
               f"NOT clean: {totals['lost']} lost, {totals['doubled']} doubled, {totals['wrong']} wrong answers, "
               f"{totals['failed']} unanswered")  # fmt: skip
    lines += ["", verdict]
    return "\n".join(lines)
