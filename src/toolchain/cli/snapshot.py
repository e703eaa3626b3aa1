"""`invoke snapshot.*`: the whole emulator (every environment on it, and what Terraform believes of
them) saved at one instant, loaded back, listed and deleted."""

from __future__ import annotations

import json as json_module
import time

from invoke import Context

from toolchain.cli.common import platform_task, say, toolchain

JSON_HELP = "print JSON instead of the table"


def _counts(summary: dict[str, int]) -> str:
    return ", ".join(f"{n} {what}" for what, n in sorted(summary.items())) or "nothing"


@platform_task(help={"name": "the snapshot's name (letters, digits, . _ -)", "overwrite": "replace one of that name",
                     "json": JSON_HELP})  # fmt: skip
def save(c: Context, name: str, overwrite: bool = False, json: bool = False) -> None:
    """Save the emulator and every environment's Terraform state now, as build/snapshots/NAME.snapshot.

    A running emulator takes a checkpoint first; a stopped one is saved as it stopped. The file holds
    the emulator's secrets' values: keep it on this machine or hand it only to whom may read them.
    """
    with toolchain(c) as tc:
        running = tc.emulator.running()
        info = tc.snapshots().save(name, tc.emulator.save_state if running else None, overwrite=overwrite)
    if json:
        say(json_module.dumps(info.to_json(), indent=2))
        return
    say(f"saved snapshot {info.name}: {_counts(info.summary)}; environments {', '.join(info.environments) or 'none'}")
    say(f"  {info.path} ({info.bytes / 1e6:.1f} MB); `invoke snapshot.load {info.name}` restores it")


@platform_task(help={"name": "a snapshot's name, or the path of a .snapshot file", "json": JSON_HELP})
def load(c: Context, name: str, json: bool = False) -> None:
    """Restore the emulator and its environments' Terraform state as the snapshot has them.

    The running emulator is stopped and its present state replaced (save it first to keep it);
    the emulator starts again from the snapshot.
    """
    with toolchain(c) as tc:
        snapshots = tc.snapshots()
        snapshots.check(name)  # refused before anything is stopped or replaced
        stopped = tc.emulator.stop()
        info = snapshots.load(name)
        started, _ = tc.emulator.start()
    if json:
        say(json_module.dumps({**info.to_json(), "endpoint": started.endpoint}, indent=2))
        return
    if stopped:
        say(f"stopped the emulator (pid {stopped.pid}); its state is replaced")
    say(f"loaded snapshot {info.name} of {time.ctime(info.created)}: {_counts(info.summary)}")
    say(f"Emulator: {started.endpoint} (pid {started.pid}); environments {', '.join(info.environments) or 'none'}")


@platform_task(name="list", help={"json": JSON_HELP})
def list_(c: Context, json: bool = False) -> None:
    """The saved snapshots: name, when, size and what each holds."""
    with toolchain(c) as tc:
        found = tc.snapshots().list()
    if json:
        say(json_module.dumps([s.to_json() for s in found], indent=2))
        return
    if not found:
        say("no snapshots; `invoke snapshot.save NAME` saves one")
        return
    for info in found:
        say(f"{info.name}  {time.strftime('%Y-%m-%d %H:%M', time.localtime(info.created))}  "
            f"{info.bytes / 1e6:.1f} MB  {_counts(info.summary)}")  # fmt: skip


@platform_task(help={"name": "the snapshot's name"})
def delete(c: Context, name: str) -> None:
    """Delete a saved snapshot."""
    with toolchain(c) as tc:
        info = tc.snapshots().delete(name)
    say(f"deleted snapshot {info.name} ({info.path})")
