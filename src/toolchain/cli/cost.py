"""`invoke cost` (the whole bill of an environment) and `invoke cost.measure` (what one request of each
entry point uses, measured on the emulator)."""

from __future__ import annotations

import contextlib
import json as json_module
from pathlib import Path
from typing import Any

from invoke import Context

from toolchain.cli.common import ENV_HELP, TARGET_HELP, cached_clients, environments, platform_task, root, say
from toolchain.deploy.targets import EMULATOR_ENVIRONMENT
from toolchain.errors import ToolchainError

PROFILE = "profiles/platform.toml"
PROFILE_HELP = f"the load profile: entry points and traffic per environment (default {PROFILE})"


def _measured_file(envs: Any) -> Path:
    return Path(envs.config.build_dir) / "cost" / "measured.json"


def the_bill(envs: Any, env: str, profile_path: Path) -> tuple[Any, Any, Any]:
    """(bill, measurement, prices) of `env`: its measured usage at its traffic, priced for its region."""
    from toolchain.cost import prices, profile, resources
    from toolchain.cost.bill import bill
    from toolchain.cost.usage import Measured

    found = resources.resources(envs.deployed_state(env), envs.deployed_outputs(env))
    traffic = profile.load(profile_path).traffic_of(env)
    price_list = prices.load(envs.region(env))
    measured = Measured.load(_measured_file(envs))
    return bill(measured, traffic, found, price_list, env), measured, price_list


@platform_task(
    default=True,
    help={
        "env": ENV_HELP,
        "target": TARGET_HELP,
        "profile": PROFILE_HELP,
        "json": "print the bill as JSON (amounts as decimal strings, in USD)",
        "verbose": "every unit of every service, not the three largest",
    },
)
def estimate(c: Context, env: str = EMULATOR_ENVIRONMENT, target: str = "emulator", profile: str = PROFILE,
             json: bool = False, verbose: bool = False) -> None:  # fmt: skip
    """The whole monthly bill of an environment at its traffic: every service, the cost per 1,000
    requests of each entry point, and who pays it (measure first: `invoke cost.measure`)."""
    from toolchain.cost import report

    with environments(c, target) as envs:
        result, measured, price_list = the_bill(envs, env, root(c) / profile)
    if json:
        say(json_module.dumps(report.as_json(result, measured, price_list), indent=2))
    else:
        say(report.text(result, measured, price_list, verbose=verbose))


def emulator_target(envs: Any, env: str) -> Any:
    """An environment on the emulator as a client drives it: its outputs, local API, tokens its
    authorizer accepts (one per subject, for a minute), the Slack signing secret, a client per service."""
    from toolchain.cost.measure import Target
    from toolchain.tokens import authorizer_verifier, mint

    outputs = envs.deployed_outputs(env)
    secrets = envs.client("secretsmanager", env)
    verifier = authorizer_verifier(envs.client("lambda", env), outputs["functions"]["authorizer"]["function_name"])
    key = secrets.get_secret_value(SecretId=verifier.secret_id)["SecretString"]
    return Target(
        outputs=outputs,
        api_url=envs.local_api_url(outputs),
        token=lambda subject: mint(key, verifier, subject, "users:read users:write", 60),
        slack_secret=secrets.get_secret_value(SecretId=outputs["slack_secret_id"])["SecretString"],
        client=cached_clients(lambda service: envs.client(service, env)),
    )


@platform_task(
    help={
        "env": "the environment on the emulator to drive (default: emulator)",
        "profile": PROFILE_HELP,
        "only": "comma-separated entry points to measure (the others keep their last measurement)",
        "requests": "run each entry point this many times instead of the profile's `requests` (1-1000)",
    }
)
def measure(c: Context, env: str = EMULATOR_ENVIRONMENT, profile: str = PROFILE, only: str = "",
            requests: int = 0) -> None:  # fmt: skip
    """Drive each entry point of the load profile on the emulator and record what one request uses,
    by service and by who pays (build/cost/measured.json, read by `invoke cost`)."""
    import requests as http_client

    from toolchain.cost import profile as profiles
    from toolchain.cost.measure import Measurer

    loaded = profiles.load(root(c) / profile)
    if requests:
        loaded = profiles.with_requests(loaded, requests)
    chosen = [name for name in only.split(",") if name]
    unknown = sorted(set(chosen) - set(loaded.entry_points))
    if unknown:
        raise ToolchainError(f"no entry point {', '.join(unknown)} in {loaded.path.name}",
                             f"choose from {', '.join(loaded.entry_points)}")  # fmt: skip
    with environments(c, "emulator") as envs:
        target = emulator_target(envs, env)
        outputs = target.outputs
        say(f"Measuring {len(chosen) or len(loaded.entry_points)} entry points of {loaded.path.name} on {env}:")
        with http_client.Session() as http:
            measurer = Measurer(envs.toolchain.emulator, target, http, log=say)
            result = measurer.profile(loaded, env, str(outputs.get("deployed_manifest_sha256") or ""), chosen)
        file = _measured_file(envs)
        if chosen and file.is_file():  # a partial run keeps what was measured of the others
            from dataclasses import replace

            from toolchain.cost.usage import Measured

            with contextlib.suppress(ToolchainError):
                kept = Measured.load(file).entry_points
                result = replace(result, entry_points={**kept, **result.entry_points})
        result.save(file)
    say(f"Saved to {envs.config.shown(file)}; the bill: invoke cost --env prod")
