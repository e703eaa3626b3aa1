"""`invoke security.*`: the scanners (checkov, bandit, pip-audit), the IAM audit of a plan, the secret search."""

from __future__ import annotations

import json as json_module
from dataclasses import asdict
from typing import Any

from invoke import Context, Exit

from toolchain.cli.common import ENV_HELP, TARGET_HELP, environments, platform_task, progress_to_stderr, say, toolchain
from toolchain.context import Toolchain
from toolchain.deploy.targets import EMULATOR_ENVIRONMENT

JSON_HELP = "print the findings as JSON (the exit status is the same)"


def _security_tools(tc: Toolchain) -> Any:
    from toolchain.security.tools import ToolEnvironment

    # The tools venv is the developer's, not a test run's: it stays in the checkout's build/.
    location = tc.config.root / "build" / "tools" / "security"
    return ToolEnvironment(tc.config.root / "requirements/security.txt", location, tc.reporter).ensure()


@platform_task(name="tools")
def tools(c: Context) -> None:
    """Install the pinned security scanners (requirements/security.txt) into a venv of their own."""
    with toolchain(c) as tc:
        tools = _security_tools(tc)
    say(f"security scanners ready in {tools.location}")


@platform_task(
    name="scan",
    help={
        "require_audit": "fail when pip-audit could not audit every dependency (e.g. offline); set in CI online",
        "json": JSON_HELP,
    },
)
def scan(c: Context, require_audit: bool = False, json: bool = False) -> None:
    """checkov over infra/, bandit over the runtime code, pip-audit over the layer's pins; fail on a finding."""
    from toolchain.security.report import scan_table
    from toolchain.security.scanners import Scanners

    with toolchain(c) as tc, progress_to_stderr(json):
        scanners = Scanners(_security_tools(tc).bin_dir, tc.config.root)
        tc.reporter.step("Scanning infra/ (checkov), src/lambdas (bandit), the layer's pins (pip-audit)")
        results = [
            scanners.checkov(tc.config.infra_dir),
            scanners.bandit(tc.config.root / "src" / "lambdas"),
            scanners.pip_audit(tc.config.layer.requirements),
        ]
    if json:
        say(json_module.dumps([{**asdict(r), "verdict": r.verdict(require_complete=require_audit)} for r in results],
                              indent=2))  # fmt: skip
    else:
        say(scan_table(results, require_complete=require_audit))
    failed = [r.name for r in results if not r.ok or (require_audit and not r.complete)]
    if failed:
        raise Exit(f"error: security scan failed: {', '.join(failed)}", code=1)


@platform_task(name="iam", help={"env": ENV_HELP, "target": TARGET_HELP, "json": JSON_HELP})
def iam(c: Context, env: str = EMULATOR_ENVIRONMENT, target: str = "emulator", json: bool = False) -> None:
    """Audit every IAM policy in a deployed environment's plan: no wildcard actions, one role per function."""
    from toolchain.security.gate import DeployedChecks
    from toolchain.security.report import iam_report

    with environments(c, target) as envs, progress_to_stderr(json):
        audit = DeployedChecks(envs).iam(env)
    say(json_module.dumps({**asdict(audit), "ok": audit.ok}, indent=2) if json else iam_report(audit))
    if not audit.ok:
        raise Exit("error: the IAM audit has findings (above)", code=1)


@platform_task(name="secrets", help={"env": ENV_HELP, "target": TARGET_HELP, "json": JSON_HELP})
def secrets(c: Context, env: str = EMULATOR_ENVIRONMENT, target: str = "emulator", json: bool = False) -> None:
    """Search an environment's plan, state, function environments and logs for its secrets' values."""
    from toolchain.security.gate import DeployedChecks
    from toolchain.security.report import secrets_report

    with environments(c, target) as envs, progress_to_stderr(json):
        search = DeployedChecks(envs).secrets(env)
    # a leak names the secret, where and in what form: never the value (Leak has none)
    say(json_module.dumps({**asdict(search), "ok": search.ok}, indent=2) if json else secrets_report(search))
    if not search.ok:
        raise Exit("error: secret values leaked (above); rotate them", code=1)
