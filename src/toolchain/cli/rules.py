"""`invoke rules.*`: the EventBridge schedules the emulator fires."""

from __future__ import annotations

from invoke import Context

from toolchain.cli.common import platform_task, say, toolchain


@platform_task(name="list")
def list_(c: Context) -> None:
    """List the scheduled EventBridge rules the emulator fires."""
    with toolchain(c) as tc:
        rules = tc.emulator.schedules()
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
