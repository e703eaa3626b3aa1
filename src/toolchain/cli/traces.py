"""`invoke traces`: the latest request's trace across every hop, as a tree with timings."""

from __future__ import annotations

import json as json_module
import time

from invoke import Context, Exit

from toolchain.cli.common import ENV_HELP, TARGET_HELP, environments, platform_task, say
from toolchain.deploy.targets import EMULATOR_ENVIRONMENT
from toolchain.traces import TraceReader, render


@platform_task(
    help={
        "last": "how many of the newest traces (default 1)",
        "id": "one trace by id (1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx), instead of the newest",
        "filter": 'an X-Ray filter expression, e.g. annotation.correlation_id = "abc" (the emulator understands '
        'annotation.KEY = value, service("name") and id("...") joined by AND)',
        "hours": "how far back to look (default 6; X-Ray allows 24)",
        "json": "print the X-Ray API's trace documents (BatchGetTraces) instead of the tree",
        "env": ENV_HELP,
        "target": TARGET_HELP,
    }
)
def traces(
    c: Context,
    last: int = 1,
    id: str = "",  # the option users type is --id
    filter: str = "",
    hours: int = 6,
    json: bool = False,
    env: str = EMULATOR_ENVIRONMENT,
    target: str = "emulator",
) -> None:
    """Print the newest traces (or one by --id): gateway, authorizer, functions and their AWS calls, queues,
    workflows, with start offsets and durations. Reads the X-Ray API, the emulator's or AWS's."""
    if last < 1:
        raise Exit("error: --last must be at least 1", code=1)
    if not 0 < hours <= 24:
        raise Exit("error: --hours must be more than 0 and at most 24 (X-Ray's limit)", code=1)
    with environments(c, target) as envs:
        envs.check(env)
        reader = TraceReader(envs.client("xray", env), time.time)
        ids = [id] if id else reader.recent(last, filter, hours)
        found = reader.traces(ids) if ids else []
    if not found:
        what = f"trace {id}" if id else "trace" + (f" matching {filter!r}" if filter else "")
        raise Exit(f"error: no {what} in the last {hours:g} hours -> send a request first (X-Ray tracing is on "
                   "for every function and the API)", code=1)  # fmt: skip
    if json:
        say(json_module.dumps(found, indent=2, default=str))
        return
    for trace in found:
        say("\n".join(render(trace)))
        say("")
