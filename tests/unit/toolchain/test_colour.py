"""Colour only for a person at a terminal: NO_COLOR, CI, a dumb terminal and pipes get plain text."""

from __future__ import annotations

import io

import pytest

from toolchain.colour import Palette, palette_for, wanted
from toolchain.display import environment_report
from toolchain.terraform.summary import painted


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "environ", "expected"),
    [
        (Terminal(), {}, True),
        (io.StringIO(), {}, False),  # a pipe or a file
        (Terminal(), {"NO_COLOR": "1"}, False),
        (Terminal(), {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),  # NO_COLOR wins
        (Terminal(), {"CI": "true"}, False),
        (Terminal(), {"TERM": "dumb"}, False),
        (io.StringIO(), {"FORCE_COLOR": "1"}, True),
        (Terminal(), {"NO_COLOR": ""}, True),  # set but empty: no-color.org counts only a value
    ],
)  # fmt: skip
def test_colour_is_for_a_terminal_unless_told_otherwise(stream: io.StringIO, environ: dict[str, str],
                                                        expected: bool) -> None:  # fmt: skip
    assert wanted(stream, environ) is expected
    assert palette_for(stream, environ).enabled is expected


def test_plan_marks_are_coloured_as_terraform_colours_them_and_nothing_else() -> None:
    on = Palette(True)
    assert painted("    -/+ module.users.aws_lambda_function.this (forced by runtime)", on) == (
        "    \033[31m-/+\033[0m module.users.aws_lambda_function.this (forced by runtime)")  # fmt: skip
    assert painted("      + aws_sqs_queue.work", on) == "    \033[32m  +\033[0m aws_sqs_queue.work"
    assert painted("      ~ aws_sqs_queue.work", on) == "    \033[33m  ~\033[0m aws_sqs_queue.work"
    assert painted("    Plan: 1 to add, 0 to change, 0 to destroy.", on).startswith("    Plan")
    assert painted("      + aws_sqs_queue.work") == "      + aws_sqs_queue.work"  # plain by default


def test_the_environment_report_marks_alarms_firing_and_a_canary_only_in_colour() -> None:
    outputs = {"functions": {"users": {"function_name": "p-users", "version": "4", "live": {
        "version": "3", "weights": {"4": 0.1}}}}, "alarm_names": ["p-users-errors", "p-users-throttles"],
        "alarm_states": {"p-users-errors": "ALARM", "p-users-throttles": "OK"}}  # fmt: skip
    plain = environment_report("emulator", "emulator", outputs)
    coloured = environment_report("emulator", "emulator", outputs, palette=Palette(True))
    assert "\033[" not in plain and "  ALARM  p-users-errors" in plain
    assert "\033[1;31mALARM\033[0m  p-users-errors" in coloured
    assert "\033[33m3 +4 10% (4)" in coloured
    assert coloured.replace("\033[1;31m", "").replace("\033[33m", "").replace("\033[0m", "") == plain
