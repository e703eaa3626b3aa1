"""Tasks of the everyday loop: `watch` (saved edits run on the emulator), `events.generate`, `new` lives in build."""

from __future__ import annotations

import socket

from invoke import Context

from toolchain.cli.common import ENV_HELP, environments, platform_task, say
from toolchain.deploy.targets import EMULATOR_ENVIRONMENT
from toolchain.errors import ToolchainError
from toolchain.watch import Outcome, Watcher


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _report(outcome: Outcome) -> None:
    for update in outcome.updates:
        say(f"  updated  {update.function:<20} {update.sha256[:12]}  {update.seconds:.2f} s after the save")
    if outcome.needs_terraform:
        say(f"  not applied: {outcome.needs_terraform} -> run `invoke up`")
    if outcome.broken:
        say(f"  not deployed: {outcome.broken}; the running code is kept")


@platform_task(
    help={
        "env": ENV_HELP,
        "debug": "start this function's next worker under debugpy, waiting for your IDE on a printed port",
    }
)
def watch(c: Context, env: str = EMULATOR_ENVIRONMENT, debug: str = "") -> None:
    """Carry every saved edit to the running emulator in about a second, without Terraform (Ctrl-C stops)."""
    with environments(c, "emulator") as envs:
        outputs = envs.deployed_outputs(env)
        if debug:
            start_debugging(envs, outputs, env, debug)

        def names() -> dict[str, str]:
            return {n: f["function_name"] for n, f in envs.deployed_outputs(env)["functions"].items()}

        watcher = Watcher(envs.toolchain, envs.client("lambda", env), names)

        def ready() -> None:
            say(f"Watching src/lambdas, pyproject.toml, the layer's pins and infra/ for {env} (Ctrl-C stops)")

        try:
            watcher.watch(_report, ready=ready)
        except KeyboardInterrupt:
            say("stopped watching; `invoke up` records what the watch deployed in Terraform's state")
        finally:
            if debug:
                envs.target.debug(outputs["functions"][debug]["function_name"], 0)


def start_debugging(envs: object, outputs: dict, env: str, function: str) -> int:
    functions = outputs.get("functions") or {}
    if function not in functions:
        raise ToolchainError(f"{function} is not deployed in {env}", f"deployed: {', '.join(sorted(functions))}")
    port = free_port()
    envs.target.debug(functions[function]["function_name"], port)
    say(f"Debugging {function}: its next invocation waits for your IDE on 127.0.0.1:{port}")
    say(f'  VS Code: "request": "attach", "connect": {{"host": "127.0.0.1", "port": {port}}}')
    return port
