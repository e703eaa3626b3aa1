"""`invoke up`: the emulator started (or reused) and the emulator environment deployed onto it."""

from __future__ import annotations

from typing import Any

from toolchain.context import Toolchain
from toolchain.deploy.environments import Environments
from toolchain.deploy.targets import EMULATOR_ENVIRONMENT, EmulatorTarget


def up(toolchain: Toolchain) -> dict[str, Any]:
    """Start or reuse the emulator, build for it, plan and apply the emulator environment; its outputs."""
    terraform = toolchain.terraform()
    toolchain.reporter.step(f"Terraform {terraform.mode}: {terraform.binary}")
    info, started = toolchain.emulator.start()
    toolchain.reporter.step(f"{'Started' if started else 'Reusing'} the emulator at {info.endpoint} (pid {info.pid})")
    target = EmulatorTarget(toolchain)
    build = target.build()
    toolchain.reporter.step(f"Building for {build.runtime.describe()}; the emulator runs it on {build.interpreter}")
    return Environments(toolchain, target).deploy(EMULATOR_ENVIRONMENT)
