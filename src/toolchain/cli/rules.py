"""`invoke rules.*`: the EventBridge schedules the emulator fires."""

from __future__ import annotations

import json as json_module

from invoke import Context

from toolchain.cli.common import platform_task, say, toolchain


@platform_task(name="list", help={"json": "machine-readable JSON instead of the lines"})
def list_(c: Context, json: bool = False) -> None:
    """List the scheduled EventBridge rules the emulator fires: schedule, state, next and last firing."""
    with toolchain(c) as tc:
        rules = tc.emulator.schedules()
    if json:
        say(json_module.dumps(rules, indent=2, sort_keys=True))
        return
    if not rules:
        say("no scheduled rules")
    for rule in rules:
        when = f"next: {rule['next'] or '-'}  last: {rule['last'] or '-'}"
        say(f"{rule['name']}  {rule['schedule']}  {rule['state']}  {when}")
        if rule["error"]:
            say(f"    error: {rule['error']}")


@platform_task(name="fire", help={"rule": "rule name (see `invoke rules.list`)"})
def fire(c: Context, rule: str) -> None:
    """Fire a scheduled rule once, now, on the emulator."""
    with toolchain(c) as tc:
        invoked = tc.emulator.fire(rule)
    say(f"fired {rule}: invoked {', '.join(invoked) or 'no Lambda target'} (asynchronously)")
