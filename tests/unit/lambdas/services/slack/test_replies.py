"""The bot's parsing and replies word for word (commands.py), at their edges."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

import pytest

from lambdas.common.exceptions import ValidationFailed
from lambdas.services.slack.commands import (
    HELP,
    JOKES,
    MAX_PLACE_LENGTH,
    Bot,
    Check,
    SlashCommand,
    Weather,
    parse_command,
)
from tests.unit.lambdas.services.slack.test_slack import FixedHealth, FixedWeather

pytestmark = pytest.mark.documents("services.md", "Commands, within Slack's 3 seconds", "Replies are escaped")


def lisbon(fails: bool = False) -> FixedWeather:
    return FixedWeather(fail=fails, answer=Weather("Lisbon <Portugal>", 21.6, "Sunny & warm"),
                        reason="wttr.in answered 503")  # fmt: skip


def test_a_form_post_is_read_as_a_command_with_its_text_and_user() -> None:
    body = urlencode({"command": " /weather ", "text": "  Lisbon  ", "user_id": "U1"}).encode()
    assert parse_command(body) == SlashCommand("/weather", "Lisbon", "U1")
    assert parse_command(b"command=/joke") == SlashCommand("/joke", "", "")
    assert parse_command(urlencode({"command": "/" + "x" * 80}).encode()).command == "/" + "x" * 49


@pytest.mark.parametrize("body", [b"command=/joke&text=\xff\xfe", "&".join(f"f{n}=1" for n in range(51)).encode()])
def test_a_body_that_is_not_a_form_post_is_refused(body: bytes) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_command(body)
    assert caught.value.message == "the body is not a Slack form post"


@pytest.mark.parametrize("body", [b"", b"text=hi", b"command=weather", b"command="])
def test_a_body_without_a_slash_command_is_refused(body: bytes) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_command(body)
    assert caught.value.message == "the body names no slash command"
    assert caught.value.details == {"fields": {"command": "is required"}}


def test_the_weather_is_public_with_its_place_and_description_escaped() -> None:
    sky = lisbon()
    reply = Bot(sky, FixedHealth()).handle(SlashCommand("/weather", "Lisbon", "U1"))
    assert reply == {"response_type": "in_channel",
                     "text": "Weather in Lisbon &lt;Portugal&gt;: 22°C, Sunny &amp; warm"}  # fmt: skip
    assert sky.asked == ["Lisbon"]


def test_weather_without_a_place_says_how_and_a_place_too_long_is_refused_before_asking() -> None:
    sky = lisbon()
    bot = Bot(sky, FixedHealth())
    assert bot.handle(SlashCommand("/weather", "", "U1")) == {
        "response_type": "ephemeral", "text": "Usage: `/weather &lt;place&gt;`, for example `/weather Lisbon`"}  # fmt: skip
    assert bot.handle(SlashCommand("/weather", "p" * MAX_PLACE_LENGTH, "U1"))["response_type"] == "in_channel"
    assert bot.handle(SlashCommand("/weather", "p" * (MAX_PLACE_LENGTH + 1), "U1")) == {
        "response_type": "ephemeral", "text": f"That place name is longer than {MAX_PLACE_LENGTH} characters."}  # fmt: skip
    assert sky.asked == ["p" * MAX_PLACE_LENGTH]


def test_weather_unavailable_is_said_privately_and_its_reason_handed_on() -> None:
    reasons: list[str] = []
    bot = Bot(lisbon(fails=True), FixedHealth(), on_unavailable=reasons.append)
    assert bot.handle(SlashCommand("/weather", "<!channel>", "U1")) == {
        "response_type": "ephemeral",
        "text": "Sorry, I can't get the weather for &lt;!channel&gt; right now. Try again in a minute."}  # fmt: skip
    assert reasons == ["wttr.in answered 503"]


def test_a_joke_is_public_and_chosen_from_the_list() -> None:
    offered: list[Sequence[str]] = []

    def choose(jokes: Sequence[str]) -> str:
        offered.append(jokes)
        return jokes[2]

    assert Bot(lisbon(), FixedHealth(), choose=choose).handle(SlashCommand("/joke", "", "U1")) == {
        "response_type": "in_channel", "text": JOKES[2]}  # fmt: skip
    assert offered == [JOKES]


def test_status_is_private_with_a_summary_then_a_line_per_check() -> None:
    healthy = Bot(lisbon(), FixedHealth(Check("users <table>", True, "ACTIVE"))).handle(
        SlashCommand("/status", "", "U1")
    )
    assert healthy == {"response_type": "ephemeral", "text": "All systems healthy.\n✅ users &lt;table&gt;: ACTIVE"}
    mixed = Bot(lisbon(), FixedHealth(Check("a", True, "ok"), Check("b", False, "gone & lost")))
    assert mixed.handle(SlashCommand("/status", "", "U1"))["text"] == (
        "Some resources are unhealthy.\n✅ a: ok\n❌ b: gone &amp; lost")  # fmt: skip


def test_an_unknown_command_is_named_escaped_with_the_help() -> None:
    assert Bot(lisbon(), FixedHealth()).handle(SlashCommand("/<b>", "", "U1")) == {
        "response_type": "ephemeral", "text": f"I don't know `/&lt;b&gt;`.\n{HELP}"}  # fmt: skip
    assert HELP == ("Commands:\n• `/weather &lt;place&gt;`: the current weather there\n"
                    "• `/joke`: a joke for the channel\n• `/status`: health of the platform's own resources")  # fmt: skip
