"""`invoke console`: the operator's console for one environment, served on this machine."""

from __future__ import annotations

import json as json_module
from typing import Any

from invoke import Context, Exit

from toolchain.cli.common import ENV_HELP, TARGET_HELP, cached_clients, environments, platform_task, root, say
from toolchain.cli.cost import PROFILE, the_bill
from toolchain.console.actions import ConsoleActions
from toolchain.console.reader import ConsoleReader
from toolchain.console.server import Console, ConsoleServer
from toolchain.deploy.targets import EMULATOR_ENVIRONMENT

DEFAULT_PORT = 8788


@platform_task(
    help={
        "env": ENV_HELP,
        "target": TARGET_HELP,
        "port": f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0 picks a free one)",
        "json": "print what the page shows (functions, alarms, queues, schedules) as JSON and exit",
    }
)
def console(c: Context, env: str = EMULATOR_ENVIRONMENT, target: str = "emulator", port: int = DEFAULT_PORT,
            json: bool = False) -> None:  # fmt: skip
    """Serve the operator's console on 127.0.0.1 until Ctrl-C: what `live` serves on each function (and
    canary weights), with sparklines; alarms and their history; queues with dead letters to read and
    redrive; schedules to fire now on the emulator; traces as waterfalls, found by correlation id; the
    bill (`invoke cost`'s)."""
    if not 0 <= port <= 65535:
        raise Exit(f"error: --port {port} is not a port (0 to 65535)", code=1)
    with environments(c, target) as envs:
        envs.check(env)
        outputs = envs.deployed_outputs(env)
        reader = ConsoleReader(cached_clients(lambda service: envs.client(service, env)), outputs,
                               state=lambda: envs.deployed_state(env))  # fmt: skip
        if json:
            snapshot = {"functions": reader.functions(), "alarms": reader.alarms(), "queues": reader.queues(),
                        "schedules": reader.schedules()}  # fmt: skip
            say(json_module.dumps(snapshot, indent=2, default=str))
            return
        fire = envs.toolchain.emulator.fire if target == "emulator" else None
        actions = ConsoleActions(reader, cached_clients(lambda service: envs.deploy_client(service, env)), fire)
        about = {"environment": env, "target": target, "region": outputs.get("region") or envs.region(env)}

        def bill() -> Any:
            from toolchain.cost import report

            result, measured, price_list = the_bill(envs, env, root(c) / PROFILE)
            return report.as_json(result, measured, price_list)

        try:
            server = ConsoleServer(Console(reader, actions, about, bill), port)
        except OSError as exc:
            raise Exit(f"error: cannot listen on 127.0.0.1:{port}: {exc.strerror} -> pass --port 0 (any free port) "
                       "or another port", code=1) from None  # fmt: skip
        say(f"Console of {env} on the {target}: {server.url}  (Ctrl-C stops it)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            say("console stopped")
        finally:
            server.close()
