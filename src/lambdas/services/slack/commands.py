"""What the bot answers. Slack shows `in_channel` replies to everyone, `ephemeral` ones to the caller only."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs

from lambdas.common.exceptions import ValidationFailed

MAX_PLACE_LENGTH = 100

JOKES = (
    "There are 10 kinds of people: those who understand binary and those who don't.",
    "A SQL query walks into a bar, goes up to two tables and asks: may I join you?",
    "Why do programmers prefer dark mode? Because light attracts bugs.",
    "I would tell you a UDP joke, but you might not get it.",
    "The cloud is just someone else's computer. Lambda is someone else's computer, for 100 ms.",
    "To understand recursion, you must first understand recursion.",
)

HELP = (
    "Commands:\n"
    "• `/weather &lt;place&gt;`: the current weather there\n"
    "• `/joke`: a joke for the channel\n"
    "• `/status`: health of the platform's own resources"
)


@dataclass(frozen=True)
class SlashCommand:
    command: str
    text: str
    user_id: str


@dataclass(frozen=True)
class Weather:
    place: str
    temperature_c: float
    description: str


class WeatherUnavailable(Exception):
    pass


class WeatherSource(Protocol):
    def current(self, place: str) -> Weather: ...


@dataclass(frozen=True)
class Check:
    name: str
    healthy: bool
    detail: str


class HealthSource(Protocol):
    def checks(self) -> Sequence[Check]: ...


def parse_command(body: bytes) -> SlashCommand:
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise ValidationFailed("the body is not a Slack form post") from None
    command = (fields.get("command") or [""])[0].strip()
    if not command.startswith("/"):
        raise ValidationFailed("the body names no slash command", details={"fields": {"command": "is required"}})
    return SlashCommand(command[:50], (fields.get("text") or [""])[0].strip(), (fields.get("user_id") or [""])[0])


_SLACK_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escaped(text: str) -> str:
    """`text` as Slack shows it literally: its control sequences (`<!channel>`, `<@U1>`, `<url|label>`)
    all start with `<`, so escaping the three characters Slack's formatting rules name disarms them."""
    return text.translate(_SLACK_ESCAPES)


def _reply(text: str, *, public: bool) -> dict[str, Any]:
    return {"response_type": "in_channel" if public else "ephemeral", "text": text}


class Bot:
    def __init__(
        self,
        weather: WeatherSource,
        health: HealthSource,
        choose: Callable[[Sequence[str]], str] = random.choice,
        on_unavailable: Callable[[str], None] = lambda reason: None,
    ) -> None:
        self._weather = weather
        self._health = health
        self._choose = choose
        self._on_unavailable = on_unavailable

    def handle(self, command: SlashCommand) -> dict[str, Any]:
        if command.command == "/weather":
            return self._weather_reply(command.text)
        if command.command == "/joke":
            return _reply(self._choose(JOKES), public=True)
        if command.command == "/status":
            checks = self._health.checks()
            lines = [f"{'✅' if c.healthy else '❌'} {escaped(c.name)}: {escaped(c.detail)}" for c in checks]
            healthy = all(c.healthy for c in checks)
            summary = "All systems healthy." if healthy else "Some resources are unhealthy."
            return _reply("\n".join([summary, *lines]), public=False)
        return _reply(f"I don't know `{escaped(command.command)}`.\n{HELP}", public=False)

    def _weather_reply(self, place: str) -> dict[str, Any]:
        if not place:
            return _reply("Usage: `/weather &lt;place&gt;`, for example `/weather Lisbon`", public=False)
        if len(place) > MAX_PLACE_LENGTH:
            return _reply(f"That place name is longer than {MAX_PLACE_LENGTH} characters.", public=False)
        try:
            weather = self._weather.current(place)
        except WeatherUnavailable as exc:
            self._on_unavailable(str(exc))
            return _reply(
                f"Sorry, I can't get the weather for {escaped(place)} right now. Try again in a minute.", public=False
            )
        # the place is the caller's text and the description the weather site's: both are escaped
        text = f"Weather in {escaped(weather.place)}: {weather.temperature_c:.0f}°C, {escaped(weather.description)}"
        return _reply(text, public=True)
