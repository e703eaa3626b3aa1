"""infra/moved.json carried out on a real state: an environment applied before the tables and alert
topics became modules plans no replacement after them (Terraform 1.0.3 has no `moved` blocks)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Deployed
from toolchain.config import load_config
from toolchain.context import Toolchain
from toolchain.deploy.environments import Environments
from toolchain.deploy.targets import deploy_target
from toolchain.reporting import ConsoleReporter
from toolchain.terraform.moves import addresses_in, holds, load_moves


@pytest.mark.documents("terraform.md", "Addresses are kept across renames, or moved in the state")
def test_a_state_from_before_the_modules_is_moved_and_nothing_is_replaced(
    deployed: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the applied emulator environment with every moved resource back at its old address
    monkeypatch.setenv("PLATFORM_BUILD_DIR", deployed.env["PLATFORM_BUILD_DIR"])
    toolchain = Toolchain(load_config(deployed.root), ConsoleReporter(verbose=False))
    project = Environments(toolchain, deploy_target(toolchain, "emulator")).project("emulator")
    moves = load_moves(toolchain.config.infra_dir)
    assert moves, "infra/moved.json lists the moves"
    for move in reversed(moves):  # a module's own move last undone first: its resources follow it
        project.run(["state", "mv", move.target, move.source], capture=True)
    before = set(project.run(["state", "list"], capture=True).stdout.splitlines())
    assert all(holds(before, m.source) and not holds(before, m.target) for m in moves)
    # (the moves are found in the state file itself, as Terraform lists them: keys with spaces too)
    target = deploy_target(toolchain, "emulator")
    assert addresses_in(target.recorded_state("emulator") or {}) == before

    # WHEN it is planned with today's HCL
    result = deployed.invoke("plan")

    # THEN each move is made in the state, and the plan has nothing to do
    for move in moves:
        assert f"moved in emulator's state: {move.source} -> {move.target}" in result.stderr, result.stderr
    assert "No changes planned for emulator on the emulator" in result.stdout, result.stdout[-5000:]
    after = set(project.run(["state", "list"], capture=True).stdout.splitlines())
    assert not [m.source for m in moves if holds(after, m.source)]
