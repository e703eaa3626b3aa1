"""A function under the debugger on the emulator: its invocations wait for the IDE, one worker serves
them in turn, and provisioned concurrency steps aside meanwhile (found from outside: `invoke watch
--debug users` answered 502 to every request, because a provisioned worker already held the port)."""

from __future__ import annotations

import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.dap import attach
from toolchain.emulator.clients import emulator_client
from toolchain.emulator.control import EmulatorControl

from .emulated import behind_live

pytestmark = pytest.mark.usefixtures("control")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_provisioned_function_under_the_debugger_waits_for_the_ide_then_answers_every_request(
    emulator: str, control: EmulatorControl, clients: dict[str, Any], role: str, layer_arn: str
) -> None:
    lam = emulator_client("lambda", emulator)
    name = behind_live(clients["lambda"], role, layer_arn, "debugged")
    assert lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live",
                                                  ProvisionedConcurrentExecutions=1)["Status"] == "READY"  # fmt: skip
    # GIVEN the function under the debugger, no IDE attached yet
    port = _free_port()
    control.debug(name, port)
    try:
        # WHEN two requests arrive together
        with ThreadPoolExecutor(2) as pool:
            answers = [pool.submit(lam.invoke, FunctionName=name, Qualifier="live", Payload=b'{"n": 1}')
                       for _ in range(2)]  # fmt: skip
            time.sleep(1.0)
            assert not any(a.done() for a in answers)  # waiting for the IDE, not failing
            # AND then the IDE attaches
            session = attach(port)
            results = [a.result(timeout=120) for a in answers]
        session.close()
    finally:
        control.debug(name, 0)
    # THEN both ran, in one worker, with no error
    assert [r.get("FunctionError") for r in results] == [None, None]
    pids = {json.loads(r["Payload"].read())["pid"] for r in results}
    assert len(pids) == 1
