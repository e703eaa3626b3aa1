"""`invoke chaos`: a seeded run of mixed load on an emulator environment while faults, crashed
workers and a crashed emulator hit it, and then an account of every input."""

from __future__ import annotations

import json as json_module
import re
from pathlib import Path

from invoke import Context, Exit

from toolchain.cli.common import platform_task, root, say
from toolchain.deploy.targets import EMULATOR_ENVIRONMENT
from toolchain.errors import ToolchainError

PROFILE = "profiles/chaos.toml"
DURATION = re.compile(r"(?:(\d+)m)?(?:(\d+)s)?")
MAX_SECONDS = 3600


def seconds_of(text: str) -> float:
    """`2m`, `90s`, `1m30s` or a number of seconds, as `--for` takes it."""
    text = text.strip()
    found = DURATION.fullmatch(text)
    if text.isdigit():
        value = float(text)
    elif found and text:
        value = float(int(found.group(1) or 0) * 60 + int(found.group(2) or 0))
    else:
        raise ToolchainError(f"--for {text!r} is not a duration", "give it as 2m, 90s or 1m30s")
    if not 1 <= value <= MAX_SECONDS:
        raise ToolchainError(f"--for {text}: a run lasts from 1 s to {MAX_SECONDS // 60} minutes")
    return value


@platform_task(
    default=True,
    help={
        "seed": "chooses the inputs, the faults, which workers crash and when, and when the emulator restarts",
        "for": "how long the load lasts: 2m, 90s, 1m30s (then the platform settles and is accounted for)",
        "faults": "comma-separated service:kind:rate[:ms] instead of the profile's (none: `--faults none`)",
        "profile": f"the chaos profile: load, faults, crashes and where outcomes show (default {PROFILE})",
        "env": "the environment on the emulator to drive (default: emulator)",
        "json": "print the account as JSON (every input not processed, with its reason)",
        "verbose": "every reason, not the most common",
    },
)
def run(c: Context, seed: int = 1, for_: str = "2m", faults: str = "", profile: str = PROFILE,
        env: str = EMULATOR_ENVIRONMENT, json: bool = False, verbose: bool = False) -> None:  # fmt: skip
    """Drive mixed load through every entry point while the emulator injects the seed's faults,
    crashes workers and is killed and restarted; then account for every input: processed once,
    dead-lettered with its reason, or refused at the edge. Fails when anything is lost or doubled."""
    import requests as http_client

    from toolchain.chaos import profile as profiles
    from toolchain.chaos import report as reports
    from toolchain.chaos.plan import make_plan
    from toolchain.chaos.run import ChaosRun
    from toolchain.cli.common import environments, progress_to_stderr
    from toolchain.cli.cost import emulator_target

    loaded = profiles.load(root(c) / profile)
    if faults:
        loaded = loaded.with_faults([] if faults == "none" else [f for f in faults.split(",") if f.strip()])
    seconds = seconds_of(for_)
    with progress_to_stderr(json), environments(c, "emulator") as envs:
        target = emulator_target(envs, env)
        plan = make_plan(seed, seconds, loaded, sorted(target.outputs.get("functions") or {}))
        with http_client.Session() as http:
            result = ChaosRun(loaded, plan, target, envs.toolchain.emulator, http, log=say).run()
    out = Path(envs.config.build_dir) / "chaos" / f"seed-{seed}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json_module.dumps(result.to_json(), indent=2) + "\n")
    say(json_module.dumps(result.to_json(), indent=2) if json else reports.text(result, verbose=verbose))
    if not json:
        say(f"Saved to {envs.config.shown(out)}")
    if not result.clean:
        raise Exit("inputs were lost, doubled, answered wrongly or not at all: the reasons are above", code=1)
