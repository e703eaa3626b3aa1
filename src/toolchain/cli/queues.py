"""`invoke queues.*`: dead-letter queues on the emulator."""

from __future__ import annotations

from invoke import Context

from toolchain.cli.common import platform_task, say, toolchain
from toolchain.emulator.clients import emulator_client


@platform_task(
    name="redrive",
    help={
        "queue": "source queue name (its dead-letter queue is <queue>-dlq), e.g. platform-local-work",
        "limit": "move at most this many messages (default: all)",
    },
)
def redrive(c: Context, queue: str, limit: int = 0) -> None:
    """Move messages from a dead-letter queue back to its source queue."""
    from toolchain.queues import redrive

    with toolchain(c) as tc:
        sqs = emulator_client("sqs", tc.emulator.require().endpoint)
        report = redrive(sqs, queue, limit=limit or None)
    say(f"moved {report.moved} message(s) from {report.dead_letter} to {report.source}; {report.left} left")
