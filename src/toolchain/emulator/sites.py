"""Stand-ins for the outside websites the functions call, served by the emulator under `/_sites/`.

They are real HTTP endpoints on localhost, so functions make real requests with their real
timeouts; some inputs fail on purpose, to show how a function copes:

- `/_sites/weather/<place>?format=j1`: current weather in wttr.in's JSON format. "Atlantis" answers
  503, "Slowtown" answers after 10 seconds.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

PREFIX = "/_sites/"
_CONDITIONS = ("Sunny", "Partly cloudy", "Light rain", "Overcast", "Clear", "Fog")


def _weather(place: str) -> tuple[str, dict[str, Any] | None]:
    if place.lower() == "atlantis":
        return "503 Service Unavailable", None
    if place.lower() == "slowtown":
        time.sleep(10)
    seed = int(hashlib.sha256(place.lower().encode()).hexdigest(), 16)
    body = {
        "current_condition": [
            {"temp_C": str(seed % 35 - 5), "weatherDesc": [{"value": _CONDITIONS[seed % len(_CONDITIONS)]}]}
        ],
        "nearest_area": [{"areaName": [{"value": place}]}],
    }
    return "200 OK", body


def serve_site(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")[len(PREFIX) :]
    site, _, rest = path.partition("/")
    if site == "weather" and rest:
        status, body = _weather(unquote(rest))
    else:
        status, body = "404 Not Found", {"error": "no such site"}
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps(body).encode()] if body is not None else [b"{}"]
