"""Stand-ins for the outside websites the functions call, served by the emulator under `/_sites/`.

They are real HTTP endpoints on localhost, so functions make real requests with their real
timeouts; some inputs fail on purpose, to show how a function copes:

- `/_sites/weather/<place>?format=j1`: current weather in wttr.in's JSON format. "Atlantis" answers
  503, "Slowtown" answers after 10 seconds.
- `/_sites/shop/products/<id>`: a product page with its price, in the formats shops use. `PUT` with
  `{"price": "$85.00"}` changes a price, so a demo or a test can make one drop. "no-price" has no
  price on its page, "flaky" answers 503, other unknown ids 404.
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
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


_PRICES = {"kettle": "$1,299.99", "lamp": "1.299,99 EUR", "chair": "£249.00", "no-price": None}
_prices_lock = threading.Lock()


def _product_page(product: str, price: str | None) -> bytes:
    price_html = (
        f'<div class="product-price"><span class="price">{html.escape(price)}</span></div>'
        if price
        else "<p>Sold out</p>"
    )
    filler = "".join(f"<li>Review {n}: works as described.</li>" for n in range(40))
    page = (f"<!doctype html><html><head><title>{product}</title></head><body><h1>{product}</h1>"
            f"{price_html}<ul class='reviews'>{filler}</ul></body></html>")  # fmt: skip
    return page.encode()


def _shop(method: str, product: str, environ: dict[str, Any]) -> tuple[str, str, bytes]:
    if product == "flaky":
        return "503 Service Unavailable", "text/plain", b"try later"
    with _prices_lock:
        if method == "PUT":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            try:
                price = json.loads(environ["wsgi.input"].read(length) or b"{}")["price"]
            except (ValueError, KeyError, TypeError):
                return "400 Bad Request", "application/json", b'{"error": "send {"price": "$9.99"}"}'
            _PRICES[product] = price
            return "200 OK", "application/json", json.dumps({"product": product, "price": price}).encode()
        if product not in _PRICES:
            return "404 Not Found", "text/html", b"<html><body>No such product</body></html>"
        return "200 OK", "text/html; charset=utf-8", _product_page(product, _PRICES[product])


def serve_site(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")[len(PREFIX) :]
    site, _, rest = path.partition("/")
    if site == "weather" and rest:
        status, body = _weather(unquote(rest))
    elif site == "shop" and rest.startswith("products/"):
        status, kind, page = _shop(environ.get("REQUEST_METHOD", "GET"), unquote(rest[len("products/") :]), environ)
        start_response(status, [("Content-Type", kind)])
        return [page]
    else:
        status, body = "404 Not Found", {"error": "no such site"}
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps(body).encode()] if body is not None else [b"{}"]
