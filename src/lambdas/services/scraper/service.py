"""One scraper run: every product fetched, priced, compared with its last price, recorded. No AWS here.

A product that fails (unreachable, no price, unparsable) is reported and the run goes on. A drop of
`drop_percent` or more from the previous price in the same currency raises one alert; the alert is
keyed by (product, previous observation, new price), so a retried run cannot send it twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlsplit

from lambdas.common.identifiers import Shape
from lambdas.common.money import EXACT
from lambdas.services.scraper.prices import Money

PRODUCT_ID = Shape(r"[a-z0-9][a-z0-9-]{0,63}", "1-64 lowercase letters, digits and -")


@dataclass(frozen=True)
class Product:
    product_id: str
    url: str
    name: str
    selector: str | None = None


@dataclass(frozen=True)
class Observation:
    observed_at: str
    amount: Decimal
    currency: str | None


class PriceHistory(Protocol):
    def latest(self, product_id: str) -> Observation | None: ...

    def record(self, product: Product, observation: Observation) -> None: ...


class Fetched(Protocol):
    body: bytes
    charset: str | None


class Fetcher(Protocol):
    def get(self, url: str, *, deadline: float) -> Fetched:
        """The page, or an exception, by `deadline` (a point on `now()`'s clock)."""
        ...

    def now(self) -> float: ...


def parse_products(raw: Any) -> tuple[list[Product], list[str]]:
    """Products from the configuration document, and a complaint per entry that is not one."""
    if not isinstance(raw, list):
        return [], ["the product list must be a JSON array"]
    products, problems = [], []
    for index, entry in enumerate(raw):
        if not isinstance(entry, dict) or not PRODUCT_ID.holds(entry.get("id")):
            problems.append(f"entry {index}: needs an id of {PRODUCT_ID.description}")
            continue
        url = entry.get("url")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            problems.append(f"entry {index} ({entry['id']}): needs an http(s) url")
            continue
        selector = entry.get("selector") or None
        products.append(Product(entry["id"], url, str(entry.get("name") or entry["id"]), selector))
    return products, problems


def dropped(previous: Observation | None, current: Money, percent: Decimal) -> bool:
    if previous is None or previous.currency != current.currency or previous.amount <= 0:
        return False
    # exact: current <= previous x (1 - percent/100), multiplied out so nothing is divided or rounded
    return EXACT.multiply(current.amount, Decimal(100)) <= EXACT.multiply(previous.amount, EXACT.subtract(100, percent))


@dataclass
class RunReport:
    checked: int = 0
    failed: int = 0
    alerts: int = 0
    skipped: int = 0


def run(
    products: list[Product],
    *,
    fetcher: Fetcher,
    extract: Callable[[bytes, str | None, str | None], Money],
    history: PriceHistory,
    alert: Callable[[dict[str, Any]], None],
    now: Callable[[], str],
    drop_percent: Decimal,
    out_of_time: Callable[[], bool],
    report_failure: Callable[[Product, Exception], None],
    seconds_for: Callable[[], float],
) -> RunReport:
    """Every product checked in turn; each gets `seconds_for()` (its share of what time is left), and
    a product that cannot be fetched by then fails alone, so one stalling shop never starves the rest."""
    report = RunReport()
    # Grouped by host, so the politeness delay between requests to one host overlaps nothing else.
    for product in sorted(products, key=lambda p: (urlsplit(p.url).hostname or "", p.product_id)):
        if out_of_time():
            report.skipped += 1
            continue
        try:
            page = fetcher.get(product.url, deadline=fetcher.now() + seconds_for())
            money = extract(page.body, product.selector, page.charset)
            previous = history.latest(product.product_id)
            observation = Observation(now(), money.amount, money.currency)
            if previous is not None and dropped(previous, money, drop_percent):
                alert({"product_id": product.product_id, "name": product.name, "url": product.url,
                       "previous_amount": str(previous.amount), "previous_observed_at": previous.observed_at,
                       "amount": str(money.amount), "currency": money.currency or ""})  # fmt: skip
                report.alerts += 1
            history.record(product, observation)
            report.checked += 1
        except Exception as exc:  # one product's failure, whatever it is, never stops the others
            report.failed += 1
            report_failure(product, exc)
    return report
