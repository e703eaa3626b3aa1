"""Measured usage: readings of the meter subtracted, averaged per request, and kept in a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolchain.cost.measure import by_logical_name, readings
from toolchain.cost.usage import EntryUsage, Measured, difference, scaled
from toolchain.errors import ToolchainError


def test_a_measurement_is_what_was_added_between_two_readings() -> None:
    before = {"edge": {"s3.tier1_requests": 4.0}, "users": {"lambda.requests": 2.0}}
    after = {"edge": {"s3.tier1_requests": 6.0}, "users": {"lambda.requests": 2.0}, "etl": {"lambda.requests": 1.0}}
    assert difference(after, before) == {"edge": {"s3.tier1_requests": 2.0}, "etl": {"lambda.requests": 1.0}}
    assert scaled({"edge": {"x.y": 3.0}}, 0.5) == {"edge": {"x.y": 1.5}}


def test_the_meter_and_the_state_merge_and_payers_take_their_logical_names() -> None:
    answer = {
        "meter": {"platform-dev-users": {"lambda.requests": 1}},
        "units": {"platform-dev-users": {"logs.ingested_bytes": 300},
                  "states:platform-dev-orders": {"states.state_transitions": 3},
                  "storage": {"dynamodb.stored_bytes:platform-dev-users": 10, "dynamodb.stored_bytes:other": 5}},
    }  # fmt: skip
    outputs = {"functions": {"users": {"function_name": "platform-dev-users"}}}
    assert by_logical_name(readings(answer), outputs) == {
        "users": {"lambda.requests": 1.0, "logs.ingested_bytes": 300.0},
        "workflow": {"states.state_transitions": 3.0},
        "storage": {"dynamodb.stored_bytes": 15.0},
    }


def test_a_measurement_survives_its_file_and_a_broken_file_is_named(tmp_path: Path) -> None:
    measured = Measured("2026-12-07T10:00:00Z", "emulator", "f" * 64, "platform.toml",
                        {"get-user": EntryUsage(20, 1, {"edge": {"apigateway.rest_requests": 1.0}}, ["n|m|"])})  # fmt: skip
    path = tmp_path / "cost" / "measured.json"
    measured.save(path)
    assert Measured.load(path) == measured
    with pytest.raises(ToolchainError, match="no measured usage yet") as raised:
        Measured.load(tmp_path / "none.json")
    assert "invoke cost.measure" in raised.value.hint
    path.write_text('{"entry_points": 3}')
    with pytest.raises(ToolchainError, match="is not a usage measurement"):
        Measured.load(path)
