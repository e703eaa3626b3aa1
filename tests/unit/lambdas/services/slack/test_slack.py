"""Slack's signing scheme and the bot's answers."""

from __future__ import annotations

import pytest

from lambdas.common.exceptions import ValidationFailed
from lambdas.services.slack.commands import Bot, Check, Weather, WeatherUnavailable, parse_command
from lambdas.services.slack.signature import SignatureRejected, sign, verify

SECRET = b"8f742231b10e8888abcd99yyyzzz85a5"
BODY = b"token=xyz&command=%2Fweather&text=Lisbon&user_id=U1"
NOW = 1_764_244_800


@pytest.mark.documents("services.md", "Signed requests")
def test_slacks_documented_example_signature() -> None:
    # From Slack's "Verifying requests from Slack" guide.
    body = (b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&"
            b"channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&"
            b"response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
            b"trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")  # fmt: skip
    assert sign(SECRET, "1531420618", body) == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_a_signed_request_verifies() -> None:
    verify(SECRET, str(NOW), sign(SECRET, str(NOW), BODY), BODY, now=NOW + 10)


@pytest.mark.parametrize(
    ("timestamp", "signature", "body", "now", "reason"),
    [
        (None, "v0=x", BODY, NOW, "missing_headers"),
        (str(NOW), None, BODY, NOW, "missing_headers"),
        ("yesterday", "v0=x", BODY, NOW, "bad_timestamp"),
        (str(NOW), sign(SECRET, str(NOW), BODY), BODY + b"&text=other", NOW, "bad_signature"),
        (str(NOW), sign(b"another-secret", str(NOW), BODY), BODY, NOW, "bad_signature"),
        (str(NOW - 301), sign(SECRET, str(NOW - 301), BODY), BODY, NOW, "stale_timestamp"),
        (str(NOW + 301), sign(SECRET, str(NOW + 301), BODY), BODY, NOW, "stale_timestamp"),
    ],
)
@pytest.mark.documents("services.md", "Signed requests")
def test_unsigned_tampered_and_replayed_requests_are_rejected(timestamp, signature, body, now, reason) -> None:
    with pytest.raises(SignatureRejected) as caught:
        verify(SECRET, timestamp, signature, body, now=now)
    assert caught.value.reason == reason


class FixedWeather:
    """A weather source that answers `answer` (by default the place asked, 21.4°C, sunny), or fails."""

    def __init__(self, fail: bool = False, answer: Weather | None = None, reason: str = "down") -> None:
        self.fail = fail
        self.answer = answer
        self.reason = reason
        self.asked: list[str] = []

    def current(self, place: str) -> Weather:
        self.asked.append(place)
        if self.fail:
            raise WeatherUnavailable(self.reason)
        return self.answer or Weather(place, 21.4, "sunny")


class FixedHealth:
    def __init__(self, *checks: Check) -> None:
        self._checks = checks

    def checks(self):
        return self._checks


def bot(weather=None, health=None) -> Bot:
    return Bot(
        weather or FixedWeather(), health or FixedHealth(Check("table t", True, "ACTIVE")), choose=lambda j: j[0]
    )


def reply(b: Bot, body: str) -> dict:
    return b.handle(parse_command(body.encode()))


def test_weather_is_public() -> None:
    assert reply(bot(), "command=%2Fweather&text=S%C3%A3o+Paulo") == {
        "response_type": "in_channel", "text": "Weather in São Paulo: 21°C, sunny"
    }  # fmt: skip


def test_weather_failure_is_a_friendly_private_message() -> None:
    answer = reply(bot(FixedWeather(fail=True)), "command=%2Fweather&text=Lisbon")
    assert answer["response_type"] == "ephemeral"
    assert "can't get the weather for Lisbon" in answer["text"]


@pytest.mark.parametrize("text", ["", "x" * 101])
def test_weather_needs_a_reasonable_place(text: str) -> None:
    weather = FixedWeather()
    assert reply(bot(weather), f"command=%2Fweather&text={text}")["response_type"] == "ephemeral"
    assert weather.asked == []


def test_joke_and_help_and_status() -> None:
    assert reply(bot(), "command=%2Fjoke")["response_type"] == "in_channel"
    assert "Commands:" in reply(bot(), "command=%2Funknown")["text"]
    status = reply(bot(health=FixedHealth(Check("table t", True, "ACTIVE"), Check("function f", False, "Failed"))),
                   "command=%2Fstatus")  # fmt: skip
    assert status["response_type"] == "ephemeral"
    assert status["text"].splitlines() == [
        "Some resources are unhealthy.",
        "✅ table t: ACTIVE",
        "❌ function f: Failed",
    ]


@pytest.mark.parametrize("body", [b"text=hello", b"\xff\xfe", b"command=weather"])
def test_bodies_without_a_slash_command_are_invalid(body: bytes) -> None:
    with pytest.raises(ValidationFailed):
        parse_command(body)


# Slack's control sequences, as its "Formatting text for app surfaces" page lists them: each pings,
# links or renders when a reply carries it unescaped.
CONTROL_SEQUENCES = ["<!channel>", "<!here>", "<!everyone>", "<@U012AB3CD>", "<#C123ABC456|general>",
                     "<!subteam^SAZ94GDB8>", "<https://evil.example/login|Your weather>", "<mailto:a@b.co|hi>",
                     "<!date^1392734382^{date_num}|Feb 18>", "&lt;!channel&gt;", "a & b <> c"]  # fmt: skip


def _unescaped(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _no_control(text: str) -> bool:
    return "<" not in text and ">" not in text


@pytest.mark.documents("services.md", "Replies are escaped")
@pytest.mark.parametrize("sequence", CONTROL_SEQUENCES)
def test_user_and_site_text_is_escaped_in_every_reply(sequence: str) -> None:
    from urllib.parse import quote_plus

    place = f"Lisbon {sequence}"
    # the caller's place, echoed publicly and in the failure reply
    public = reply(bot(), f"command=%2Fweather&text={quote_plus(place)}")["text"]
    failed = reply(bot(FixedWeather(fail=True)), f"command=%2Fweather&text={quote_plus(place)}")["text"]
    # the weather site's own words, and an unknown command's name
    site = Bot(_SiteSays(sequence), FixedHealth()).handle(parse_command(b"command=%2Fweather&text=Lisbon"))["text"]
    unknown = reply(bot(), f"command={quote_plus('/x' + sequence)}")["text"]
    health = Bot(FixedWeather(), FixedHealth(Check(sequence, False, sequence))).handle(
        parse_command(b"command=%2Fstatus")
    )["text"]
    for text in (public, failed, site, unknown, health):
        assert _no_control(text), text
    assert place in _unescaped(public)  # escaped, not dropped: Slack shows exactly what was typed
    assert sequence in _unescaped(site)


class _SiteSays:
    def __init__(self, words: str) -> None:
        self.words = words

    def current(self, place: str) -> Weather:
        return Weather(place, 10.0, self.words)
