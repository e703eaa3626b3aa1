"""Addresses that moved, carried out in the state before a plan: Terraform 1.1's `moved` blocks, for 1.0.3.

Terraform plans a resource whose address changed (a table now inside `module.table`) as a destroy and
a create: the table and its items would go. `moved` blocks say otherwise, from Terraform 1.1; the
offline Terraform here is 1.0.3, and one HCL serves both, so the moves are data instead:
`infra/moved.json` lists `{"from": old address, "to": new address}` (a module's whole address moves
every resource in it). Before each plan and destroy, every listed move whose old address is still in
the workspace's state, and whose new one is not, is made with `terraform state mv`; a move already
made, or of a resource that never existed there, is nothing to do. The next plan then finds each
resource where the HCL now puts it, and replaces nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolchain.errors import ToolchainError

MOVES_FILE = "moved.json"


@dataclass(frozen=True)
class Move:
    source: str
    target: str


def load_moves(infra_dir: Path) -> list[Move]:
    path = infra_dir / MOVES_FILE
    if not path.is_file():
        return []
    try:
        listed = json.loads(path.read_text(encoding="utf-8"))["moves"]
        return [Move(str(m["from"]), str(m["to"])) for m in listed]
    except (ValueError, KeyError, TypeError) as exc:
        hint = 'write {"moves": [{"from": "<old address>", "to": "<new address>"}]}'
        raise ToolchainError(f"infra/{MOVES_FILE} is not a list of moves: {exc}", hint) from None


def holds(addresses: set[str], address: str) -> bool:
    """Whether the state holds `address`, or (a module's) any resource below it."""
    return address in addresses or any(a.startswith(address + ".") or a.startswith(address + "[") for a in addresses)


def addresses_in(state: dict[str, Any]) -> set[str]:
    """What `terraform state list` prints for a state (format 4), read from the state itself."""
    addresses = set()
    for resource in state.get("resources") or []:
        base = f"{resource['module']}." if resource.get("module") else ""
        base += ("data." if resource.get("mode") == "data" else "") + f"{resource['type']}.{resource['name']}"
        for instance in resource.get("instances") or []:
            key = instance.get("index_key")
            addresses.add(base if key is None else f"{base}[{json.dumps(key)}]")
    return addresses


def carry_out(project: Any, moves: list[Move], state: dict[str, Any] | None = None) -> list[Move]:
    """Make the moves the workspace's state still needs; returns those made. `state`: the workspace's
    state where the caller could read it without Terraform (each `state list` is a second of its CPU)."""
    if not moves:
        return []
    if state is not None:
        addresses = addresses_in(state)
    else:
        listed = project.run(["state", "list"], capture=True, check=False)
        if listed.returncode != 0:  # no state yet: nothing was ever created under the old addresses
            return []
        addresses = set(listed.stdout.splitlines())  # a for_each key may hold spaces
    made = []
    for move in moves:
        if holds(addresses, move.source) and not holds(addresses, move.target):
            project.run(["state", "mv", "-lock-timeout=120s", move.source, move.target], capture=True)
            made.append(move)
    return made
