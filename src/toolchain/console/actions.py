"""What an operator may do from the console: roll a function back, redrive a dead-letter queue, fire a
schedule now (on the emulator). Each is the same operation the CLI performs, through the same code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from toolchain.console.reader import ConsoleReader, queue_keys, rule_keys
from toolchain.deploy.release import Releaser
from toolchain.errors import ToolchainError
from toolchain.queues import redrive


class NotFound(ToolchainError):
    """The page asked for a function, queue or schedule the environment does not have."""


@dataclass
class ConsoleActions:
    reader: ConsoleReader
    deployer: Callable[[str], Any]  # service -> a client with the environment's deploy credentials
    fire_rule: Callable[[str], list[str]] | None = None  # the emulator's "fire now"; None on AWS

    def rollback(self, function_key: str) -> dict[str, Any]:
        functions = self.reader.outputs.get("functions") or {}
        if function_key not in functions:
            raise NotFound(f"no function {function_key!r} in this environment", "pick one from the list")
        moves, nothing = Releaser(self.deployer("lambda")).rollback({function_key: functions[function_key]})
        if nothing:
            raise ToolchainError(f"{function_key} has no earlier version to roll back to",
                                 "a rollback returns to the version before the last release")  # fmt: skip
        move = moves[0] if moves else None
        return {
            "function": function_key,
            "before": move.before if move else None,
            "after": move.after if move else None,
        }

    def redrive(self, queue_key: str) -> dict[str, Any]:
        if queue_key not in queue_keys(self.reader.outputs):
            raise NotFound(f"no queue {queue_key!r} in this environment", "pick one from the list")
        row = next(q for q in self.reader.queues() if q["key"] == queue_key)
        if not row["source"]:
            raise ToolchainError(f"{row['name']} is no queue's dead-letter queue: there is nowhere to send it back",
                                 "an on-failure destination holds descriptions of events, not the events")  # fmt: skip
        report = redrive(self.reader.client("sqs"), row["source"], dead_letter_name=row["name"])
        return {"queue": row["name"], "to": report.source, "moved": report.moved, "left": report.left}

    def fire(self, rule_key: str) -> dict[str, Any]:
        rules = rule_keys(self.reader.outputs)
        if rule_key not in rules:
            raise NotFound(f"no schedule {rule_key!r} in this environment", "pick one from the list")
        if self.fire_rule is None:
            raise ToolchainError("firing a schedule now is the emulator's", "on AWS, invoke the function instead")
        return {"rule": rules[rule_key], "invoked": self.fire_rule(rules[rule_key])}
