"""Tasks on one deployed function: `fn.invoke NAME EVENT`, `fn.logs NAME`.

Both check their arguments before anything else and read the environment's outputs without running
Terraform on the emulator, so they cost well under a second more than the function itself.
"""

from __future__ import annotations

import base64
import json
import json as json_module

from invoke import Context, Exit

from toolchain.cli.common import ENV_HELP, TARGET_HELP, environments, platform_task, say
from toolchain.deploy.functions import LogReader, check_function, deployed, read_event, render_event, since_ms
from toolchain.deploy.release import ALIAS
from toolchain.deploy.targets import EMULATOR_ENVIRONMENT

FUNCTION_HELP = "function name as in pyproject.toml, e.g. thumbnails"


@platform_task(
    name="invoke",
    help={
        "function": FUNCTION_HELP,
        "event": "event JSON file ('-' reads standard input), e.g. events/s3-object-created.json; "
        "{{output}} placeholders are filled in",
        "env": ENV_HELP,
        "target": TARGET_HELP,
        "debug": "run it under debugpy: it waits for your IDE on a printed port (emulator only)",
    },
)
def invoke(
    c: Context,
    function: str,
    event: str,
    env: str = EMULATOR_ENVIRONMENT,
    target: str = "emulator",
    debug: bool = False,
) -> None:
    """Invoke a deployed function's `live` alias (what its triggers invoke) with an event, print its logs and result."""
    with environments(c, target) as envs:
        check_function(envs.config, function)
        text = read_event(event)
        outputs = envs.deployed_outputs(env)
        name = deployed(outputs, function, env)["function_name"]
        payload = render_event(text, outputs)
        if debug:
            from toolchain.cli.loop import start_debugging

            start_debugging(envs, outputs, env, function)
        try:
            response = envs.client("lambda", env).invoke(FunctionName=name, Qualifier=ALIAS, Payload=payload.encode(),
                                                         LogType="Tail")  # fmt: skip
        finally:
            if debug:
                envs.target.debug(name, 0)
    result = response["Payload"].read().decode()
    say("Logs:")
    say(base64.b64decode(response.get("LogResult", "")).decode(errors="replace").rstrip())
    say("Result:" + (f" (function error: {response['FunctionError']})" if "FunctionError" in response else ""))
    try:
        say(json.dumps(json.loads(result), indent=2))
    except ValueError:
        say(result)
    if "FunctionError" in response:
        raise Exit(code=1)


@platform_task(
    help={
        "function": FUNCTION_HELP,
        "lines": "how many of the most recent lines (default 50; 0: all)",
        "since": "only lines from this long ago: 30s, 10m, 2h, 1d",
        "follow": "keep printing new lines as they are written (Ctrl-C stops)",
        "json": "one JSON object a line (at, stream, message) instead of the text",
        "env": ENV_HELP,
        "target": TARGET_HELP,
    }
)
def logs(
    c: Context,
    function: str,
    lines: int = 50,
    since: str = "",
    follow: bool = False,
    json: bool = False,
    env: str = EMULATOR_ENVIRONMENT,
    target: str = "emulator",
) -> None:
    """Print a deployed function's log lines (its CloudWatch log group), or follow them."""
    with environments(c, target) as envs:
        check_function(envs.config, function)
        start = since_ms(since)
        group = deployed(envs.deployed_outputs(env), function, env)["log_group_name"]
        reader = LogReader(envs.client("logs", env), group)
        if follow:  # said first: a quiet function would otherwise look like a hung command
            envs.reporter.step(f"Following {group} (Ctrl-C stops)")
        try:
            for event in reader.events(start, lines or None, follow):
                say(json_module.dumps(reader.as_json(event)) if json else reader.shown(event))
        except KeyboardInterrupt:
            return
