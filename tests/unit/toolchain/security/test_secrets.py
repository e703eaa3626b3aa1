"""The secret search: every form a value can leak in, and reports that never repeat the value."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest

from toolchain.security.secrets import find_leaks

SECRET = 'Zt0p/s3cret+value=with"odd\\chars'


@pytest.mark.parametrize(
    ("text", "form"),
    [
        (f"token={SECRET}", "as written"),
        (json.dumps({"value": SECRET}), "JSON-escaped"),
        (f"Authorization: Basic {base64.b64encode(SECRET.encode()).decode()}", "base64"),
        (f"GET /?k={quote(SECRET, safe='')}", "URL-encoded"),
    ],
)
def test_each_leaked_form_is_found(text: str, form: str) -> None:
    leaks = find_leaks({"jwt": SECRET}, {"logs": "noise\n" + text + "\nmore"})

    assert form in [leak.form for leak in leaks]
    assert all(leak.place == "logs" and leak.secret == "jwt" for leak in leaks)


def test_clean_places_have_no_leaks() -> None:
    assert find_leaks({"jwt": SECRET}, {"state": json.dumps({"secret_id": "arn:aws:secretsmanager:x"})}) == []


def test_a_report_names_the_secret_but_never_its_value() -> None:
    (leak,) = find_leaks({"slack": SECRET}, {"environment of f": SECRET})

    assert SECRET not in str(leak) and "slack" in str(leak)


def test_values_too_short_to_search_are_refused() -> None:
    with pytest.raises(ValueError, match="too short"):
        find_leaks({"pin": "1234"}, {"logs": "1234"})
