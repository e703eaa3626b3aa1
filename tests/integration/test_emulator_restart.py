"""`invoke up` (EmulatorControl.start) reuses a running emulator of this code and replaces one of other code."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from toolchain.emulator.control import EmulatorControl, _pid_alive


@pytest.mark.documents("emulator.md", "A stale emulator is replaced")
def test_a_running_emulator_is_reused_and_one_from_other_code_replaced(tmp_path: Path) -> None:
    control = EmulatorControl(tmp_path / "emulator")
    first, started = control.start()
    try:
        assert started
        assert control.start() == (first, False)  # same code: the same emulator, its state kept
        # GIVEN the record of an emulator started from other code (server.json says which)
        control.info_file.write_text(dataclasses.replace(first, code_version="older").to_json())
        # WHEN it is started again, THEN the old one is stopped and a new one answers
        second, started = control.start()
        assert started and second.instance_id != first.instance_id and second.pid != first.pid
        assert not _pid_alive(first.pid)
        assert control.running() == second
    finally:
        control.stop()
