"""Tasks over environments on a target: `plan`, `apply`, `outputs`, `promote`, `rollback`, `bootstrap`."""

from __future__ import annotations

import json as json_module
import sys

from invoke import Context

from toolchain.cli.common import (
    ENV_HELP,
    TARGET_HELP,
    VERBOSE_HELP,
    environments,
    failures_as_exit,
    platform_task,
    progress_to_stderr,
    say,
    verbosity,
)
from toolchain.colour import palette_for
from toolchain.deploy.targets import EMULATOR_ENVIRONMENT
from toolchain.display import environment_report, table
from toolchain.errors import ToolchainError


@platform_task(help={"env": ENV_HELP, "target": TARGET_HELP, "verbose": VERBOSE_HELP})
def plan(c: Context, env: str = EMULATOR_ENVIRONMENT, target: str = "emulator", verbose: bool = False) -> None:
    """Build, upload the artifacts and save a plan for an environment; say what it changes, resource
    by resource (Terraform's whole plan with --verbose, and in build/tf/<target>/logs/plan.log)."""
    verbosity(verbose)
    with environments(c, target) as envs:
        result = envs.plan(env)
        saved = envs.config.shown(result.plan_file)
    say(f"\n{'Changes' if result.changes else 'No changes'} planned for {env} on the {target} "
        f"(manifest {result.manifest_sha256[:12]}); saved to {saved}.")  # fmt: skip
    if result.changes:
        say(f"Review it, then: invoke apply --env {env} --target {target}")


@platform_task(help={"env": ENV_HELP, "target": TARGET_HELP, "verbose": VERBOSE_HELP})
def apply(c: Context, env: str = EMULATOR_ENVIRONMENT, target: str = "emulator", verbose: bool = False) -> None:
    """Apply exactly the plan `invoke plan` saved for an environment."""
    verbosity(verbose)
    from toolchain.deploy.live import read_running, with_running

    with environments(c, target) as envs:
        outputs = envs.apply(env)
        local_api_url = envs.local_api_url(outputs)
        running = read_running(envs.client("lambda", env), envs.client("cloudwatch", env), outputs)
    say("\n" + environment_report(env, target, with_running(outputs, running), local_api_url, palette_for(sys.stdout)))


@platform_task(help={"env": ENV_HELP, "target": TARGET_HELP, "json": "machine-readable JSON instead of the table"})
def outputs(c: Context, env: str = EMULATOR_ENVIRONMENT, target: str = "emulator", json: bool = False) -> None:
    """Show an environment: API URL, the version `live` serves of each function (a canary's weights too) and
    its code hash, queues, topics, alarms with their state. Read from Lambda and CloudWatch, not only Terraform."""
    from toolchain.deploy.live import read_running, with_running

    with environments(c, target) as envs:
        values = envs.deployed_outputs(env)  # the emulator's local state is read without Terraform
        local_api_url = envs.local_api_url(values)
        values = with_running(values, read_running(envs.client("lambda", env), envs.client("cloudwatch", env), values))
    if json:
        say(json_module.dumps({**values, "local_api_url": local_api_url}, indent=2, sort_keys=True))
    else:
        say(environment_report(env, target, values, local_api_url, palette_for(sys.stdout)))


@platform_task(
    name="promote",
    help={
        "from_": "environment whose running artifacts are promoted (e.g. dev)",
        "to": "environment to deploy them to (e.g. staging)",
        "manifest": "instead of --from: sha256 of an earlier manifest to deploy (a rollback)",
        "canary": "percent of the traffic the new versions get first (1-99); all of it after a clean bake",
        "bake": "how long the canary bakes under its alarms (90s, 5m, 1h; default 5m)",
        "linear": "percent of the traffic added at each step (1-99) until all of it",
        "step": "how long each linear step bakes (default 1m)",
        "target": TARGET_HELP,
        "json": "print what changed as JSON (the progress stays on stderr)",
    },
)
def promote(
    c: Context,
    to: str,
    from_: str = "",
    manifest: str = "",
    canary: str = "",
    bake: str = "",
    linear: str = "",
    step: str = "",
    target: str = "emulator",
    json: bool = False,
) -> None:
    """Deploy to an environment exactly what another runs (or an earlier manifest), all at once or as a
    canary or linear shift whose bake rolls `live` back by itself when an alarm on the new versions fires."""
    from toolchain.deploy.promotion import EnvironmentsSite
    from toolchain.deploy.promotion import promote as promote_release
    from toolchain.deploy.releases import Strategy

    with failures_as_exit():
        strategy = Strategy.from_options(canary=canary, bake=bake, linear=linear, step=step)
    with environments(c, target) as envs, progress_to_stderr(json):
        releases = envs.config.build_dir / "releases"
        envs.deploying = to  # one job, as CI runs it: the destination's role reads the source too
        result = promote_release(EnvironmentsSite(envs), to, releases, envs.reporter, source=from_ or None,
                                 manifest_sha=manifest or None, strategy=strategy)  # fmt: skip
    if json:
        changes = {name: {"before": before, "after": after} for name, (before, after) in sorted(result.changes.items())}
        say(json_module.dumps({"source": result.source, "destination": result.destination,
                               "manifest_sha256": result.manifest_sha256, "changes": changes}, indent=2))  # fmt: skip
        return
    say(f"\nPromoted {result.source} -> {result.destination}: manifest {result.manifest_sha256[:12]}")
    for name, (before, after) in sorted(result.changes.items()):
        say(f"  {name:<20} {before or '(new)':<44} -> {after}")
    if not result.changes:
        say("  no function changed")


@platform_task(
    help={
        "env": ENV_HELP,
        "function": "only this function (name as in pyproject.toml); default: every function",
        "target": TARGET_HELP,
        "json": "print the moves as JSON",
    }
)
def rollback(c: Context, env: str = EMULATOR_ENVIRONMENT, function: str = "", target: str = "emulator",
             json: bool = False) -> None:  # fmt: skip
    """Move each function's `live` alias (what every trigger invokes) back to the version it pointed at before
    the last release: seconds, no build, no Terraform. The next apply, promote or up moves it forward again."""
    from toolchain.deploy.functions import check_function
    from toolchain.deploy.releases import Releases

    with environments(c, target) as envs, progress_to_stderr(json):
        if function:
            check_function(envs.config, function)
        moves = Releases(envs).rollback(env, function or None)
    if json:
        listed = [{"function": m.function, "before": m.before, "after": m.after} for m in moves]
        say(json_module.dumps({"environment": env, "moves": listed}, indent=2))
        return
    for move in moves:
        say(f"{move.function}: live {move.before} -> {move.after}")
    say(f"Rolled back {len(moves)} function(s) in {env} on the {target}.")


@platform_task(help={"target": TARGET_HELP})
def bootstrap(c: Context, target: str = "emulator") -> None:
    """Create the state bucket, lock table and artifacts bucket of an account."""
    with environments(c, target) as envs:
        values = envs.bootstrap()
    say("\nOutputs:")
    say(table(values))
    say("\nBackend configuration (save as infra/backends/<env>.s3.tfbackend):")
    say(f'bucket         = "{values["state_bucket"]}"')
    say('key            = "platform/terraform.tfstate"')
    say(f'region         = "{values["region"]}"')
    say(f'dynamodb_table = "{values["lock_table"]}"')
    say("encrypt        = true")


@platform_task(
    help={
        "env": "environment to destroy: dev, staging, prod or emulator",
        "target": TARGET_HELP,
        "yes": "do not ask (for scripts): the environment's name is the confirmation otherwise",
        "allow_prod": "needed, besides the confirmation, to destroy prod",
    }
)
def destroy(c: Context, env: str, target: str = "emulator", yes: bool = False, allow_prod: bool = False) -> None:
    """Destroy every resource of an environment (asks first; prod also needs --allow-prod)."""
    import sys

    with environments(c, target) as envs:
        envs.check(env)
        if env == "prod" and not allow_prod:
            raise ToolchainError("prod is not destroyed without --allow-prod (and a confirmation)")
        if not yes:
            if not sys.stdin.isatty():
                raise ToolchainError(f"destroying {env} needs a confirmation", "run it in a terminal, or add --yes")
            if input(f"Type {env!r} to destroy every resource of {env} on the {target}: ").strip() != env:
                raise ToolchainError("not confirmed: nothing destroyed")
        envs.destroy(env)
    say(f"\n{env} on the {target} is destroyed.")
