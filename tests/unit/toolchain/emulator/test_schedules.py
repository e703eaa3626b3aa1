"""EventBridge cron and rate expressions, as the emulator's scheduler reads them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from toolchain.emulator.events.schedules import InvalidSchedule, next_fire

AT = datetime(2026, 11, 27, 17, 5, 30, tzinfo=UTC)  # a Friday


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("cron(0 2 * * ? *)", datetime(2026, 11, 28, 2, 0, tzinfo=UTC)),
        ("cron(0/15 * * * ? *)", datetime(2026, 11, 27, 17, 15, tzinfo=UTC)),
        ("cron(10,40 17 * * ? *)", datetime(2026, 11, 27, 17, 10, tzinfo=UTC)),
        ("cron(0 9 ? * MON-FRI *)", datetime(2026, 11, 30, 9, 0, tzinfo=UTC)),
        ("cron(0 0 L * ? *)", datetime(2026, 11, 30, 0, 0, tzinfo=UTC)),
        ("cron(0 10 ? * 6#3 *)", datetime(2026, 12, 18, 10, 0, tzinfo=UTC)),  # third Friday of December
        ("cron(30 12 1 JAN ? 2027)", datetime(2027, 1, 1, 12, 30, tzinfo=UTC)),
        ("cron(0 12 ? * 1 *)", datetime(2026, 11, 29, 12, 0, tzinfo=UTC)),  # 1 = Sunday
    ],
)
@pytest.mark.documents("emulator.md", "EventBridge schedules, fired")
def test_cron_expressions_fire_when_eventbridge_would(expression: str, expected: datetime) -> None:
    assert next_fire(expression, AT, AT) == expected


@pytest.mark.documents("emulator.md", "EventBridge schedules, fired")
def test_rates_count_from_when_the_rule_appeared() -> None:
    anchor = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    assert next_fire("rate(5 minutes)", AT, anchor) == datetime(2026, 11, 27, 17, 10, tzinfo=UTC)
    assert next_fire("rate(1 hour)", AT, anchor) == datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    assert next_fire("rate(1 day)", AT, anchor) == datetime(2026, 11, 28, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "expression",
    ["cron(0 2 * * *)", "cron(0 2 * * * *)", "cron(0 2 ? * ? *)", "cron(61 * * * ? *)", "rate(0 minutes)",
     "rate(5 weeks)", "every day", "cron(0 0 32 * ? *)"],
)  # fmt: skip
@pytest.mark.documents("emulator.md", "EventBridge schedules, fired")
def test_malformed_schedules_are_named(expression: str) -> None:
    with pytest.raises(InvalidSchedule):
        next_fire(expression, AT, AT)
