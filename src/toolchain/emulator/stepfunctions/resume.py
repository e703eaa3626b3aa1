"""Executions that were running when the emulator stopped, started again after it restarts.

moto's interpreter runs each execution in a thread of its own, which no checkpoint can carry: a
restored execution says RUNNING and nothing runs it. Step Functions itself never drops a running
execution, so after a restart each one runs again from its input under the same ARN and name (its
history starts anew). A state that had already run, runs again: as a Lambda task retried on AWS
does, which is why the platform's steps are idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def _backends() -> Iterable[Any]:
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    for regions in list(stepfunctions_parser_backends.values()):
        yield from list(regions.values())


def _again(execution: Any) -> Any:
    from moto.stepfunctions.parser.backend.execution import Execution

    return Execution(
        name=execution.name,
        sm_type=execution.sm_type,
        role_arn=execution.role_arn,
        exec_arn=execution.exec_arn,
        account_id=execution.account_id,
        region_name=execution.region_name,
        state_machine=execution.state_machine,
        start_date=execution.start_date,
        cloud_watch_logging_session=None,
        input_data=execution.execution_input,
        trace_header=execution.trace_header,
        activity_store={},
    )


def resume_running(log: Callable[[str], None]) -> list[str]:
    """Start again every execution a restored state holds as RUNNING; their ARNs."""
    resumed = []
    for backend in _backends():
        for machine in list(backend.state_machines):
            executions = getattr(machine, "executions", [])
            for index, execution in enumerate(list(executions)):
                if getattr(execution, "exec_status", None) != "RUNNING":  # a str enum
                    continue
                fresh = _again(execution)
                executions[index] = fresh
                try:
                    fresh.start()
                except Exception as exc:  # one that cannot start is said; the others still run
                    log(f"execution {execution.exec_arn} could not be started again: {exc!r}")
                    continue
                resumed.append(str(execution.exec_arn))
    if resumed:
        log(f"started again {len(resumed)} execution(s) that were running at the stop")
    return resumed
