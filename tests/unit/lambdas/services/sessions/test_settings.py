"""The sweep's settings: its defaults (a page of 1,000 keys, stopping 10 s before the timeout, as
docs/services.md says) and the bounds it refuses beyond."""

from __future__ import annotations

import pytest

from lambdas.common.exceptions import ConfigurationError
from lambdas.services.sessions.settings import SweepSettings


@pytest.mark.documents("services.md", "The sweep stops in time")
def test_the_defaults_are_a_page_of_1000_and_a_margin_of_10_seconds() -> None:
    assert SweepSettings.from_env({"SESSIONS_TABLE": "sessions"}) == SweepSettings("sessions", 1000, 10)


@pytest.mark.parametrize(
    ("name", "value", "accepted"),
    [("SWEEP_PAGE_SIZE", "25", True), ("SWEEP_PAGE_SIZE", "24", False), ("SWEEP_PAGE_SIZE", "10000", True),
     ("SWEEP_PAGE_SIZE", "10001", False), ("TIME_MARGIN_SECONDS", "1", True), ("TIME_MARGIN_SECONDS", "0", False),
     ("TIME_MARGIN_SECONDS", "300", True), ("TIME_MARGIN_SECONDS", "301", False)],
)  # fmt: skip
def test_each_bound_is_taken_and_one_past_it_refused(name: str, value: str, accepted: bool) -> None:
    env = {"SESSIONS_TABLE": "sessions", name: value}
    if accepted:
        chosen = SweepSettings.from_env(env)
        assert str(chosen.page_size if name == "SWEEP_PAGE_SIZE" else chosen.time_margin_seconds) == value
    else:
        with pytest.raises(ConfigurationError, match=name):
            SweepSettings.from_env(env)
