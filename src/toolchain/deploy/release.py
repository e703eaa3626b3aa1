"""Moving each function's `live` alias, which every trigger invokes: the release and the rollback.

Terraform publishes a version whenever a function's code or configuration changes, and creates the
alias once; from then on the alias is moved here (Terraform ignores where it points). A release
points `live` at the latest published version; the version it pointed at before is kept in the
alias's description, and a rollback moves `live` back there in one call per function: seconds,
whatever Terraform would take.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from toolchain.errors import ToolchainError

ALIAS = "live"
_PREVIOUS = re.compile(r"previous version: (\d+)")


@dataclass(frozen=True)
class Move:
    function: str
    before: str
    after: str


class Releaser:
    """Alias moves through one Lambda client (the emulator's or an AWS account's)."""

    def __init__(self, lambda_client: Any) -> None:
        self._lambda = lambda_client

    def alias(self, function_name: str) -> dict[str, Any]:
        """The function's `live` alias; a ToolchainError saying what to do when it has none."""
        try:
            return dict(self._lambda.get_alias(FunctionName=function_name, Name=ALIAS))
        except self._lambda.exceptions.ResourceNotFoundException:
            raise ToolchainError(
                f"{function_name} has no `{ALIAS}` alias",
                "apply the environment with this checkout's infra/ first (it creates one per function)",
            ) from None

    def move(self, function_name: str, version: str, *, rolling_back: bool = False) -> Move | None:
        """Point `live` at `version` with all of the traffic; None if it already was. The description
        remembers where it came from: a release can be rolled back, a rollback cannot (again)."""
        alias = self.alias(function_name)
        before = str(alias["FunctionVersion"])
        weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        if before == version and not weights:
            return None
        if before == version:
            description = alias.get("Description", "")
        else:
            description = f"rolled back from {before}" if rolling_back else f"previous version: {before}"
        self._lambda.update_alias(FunctionName=function_name, Name=ALIAS, FunctionVersion=version,
                                  Description=description, RoutingConfig={"AdditionalVersionWeights": {}})  # fmt: skip
        return Move(function_name, before, version)

    def release(self, functions: dict[str, dict[str, Any]]) -> list[Move]:
        """`live` on each function's latest published version (the `functions` output's `version`).
        The functions are independent: they are asked in parallel (a no-op `up` waits for this)."""
        with ThreadPoolExecutor(max_workers=8) as pool:
            moves = list(pool.map(lambda fn: self.move(fn["function_name"], str(fn["version"])), functions.values()))
        return [m for m in moves if m is not None]

    def rollback(self, functions: dict[str, dict[str, Any]]) -> tuple[list[Move], list[str]]:
        """`live` back on the version it pointed at before its last move; and the functions with none."""
        moves, nothing = [], []
        for fn in functions.values():
            name = fn["function_name"]
            previous = _PREVIOUS.search(self.alias(name).get("Description") or "")
            if previous is None:
                nothing.append(name)
                continue
            move = self.move(name, previous.group(1), rolling_back=True)
            if move is not None:
                moves.append(move)
        return moves, nothing
