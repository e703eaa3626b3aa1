"""Prices in every shop format, price extraction from HTML, the run's rules, safe fetching."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest

from lambdas.services.scraper.extract import extract_price
from lambdas.services.scraper.fetch import BlockedUrl, FetchFailed, Page, PoliteFetcher
from lambdas.services.scraper.prices import InvalidPrice, Money, PriceNotFound, parse_price
from lambdas.services.scraper.service import Observation, Product, dropped, parse_products, run
from tests.httpserver import serve


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("$1,299.99", "1299.99", "USD"),
        ("1.299,99 EUR", "1299.99", "EUR"),
        ("1 299,99 €", "1299.99", "EUR"),
        ("1\u00a0299,99\u00a0€", "1299.99", "EUR"),
        ("£249.00", "249.00", "GBP"),
        ("CHF 1'299.95", "1299.95", "CHF"),
        ("12,50", "12.50", None),
        ("1,299", "1299", None),
        ("Now only US$ 19.99!", "19.99", "USD"),
        ("12.345,6", "12345.6", None),
    ],
)
@pytest.mark.documents("services.md", "Shop text")
def test_prices_are_parsed_exactly(text: str, amount: str, currency: str | None) -> None:
    assert parse_price(text) == Money(Decimal(amount), currency)


@pytest.mark.parametrize(("text", "error"), [("", PriceNotFound), (None, PriceNotFound), ("Call us", PriceNotFound),
                                             ("1,2,3", InvalidPrice), ("0.00", InvalidPrice), ("9" * 80, InvalidPrice)])  # fmt: skip
def test_a_missing_price_is_an_error_not_a_crash(text, error) -> None:
    with pytest.raises(error):
        parse_price(text)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            '<span itemprop="price" content="1299.99">1.299,99 €</span><meta itemprop="priceCurrency" content="EUR">',
            ("1299.99", "EUR"),
        ),
        (
            '<meta property="product:price:amount" content="45.5"><meta property="product:price:currency" content="GBP">',
            ("45.5", "GBP"),
        ),
        ('<div class="product-price"><span class="price">$19.99</span></div>', ("19.99", "USD")),
        ('<button data-price="7.25">Buy</button>', ("7.25", None)),
    ],
)
def test_the_price_is_found_where_shops_put_it(html: str, expected: tuple) -> None:
    money = extract_price(f"<html><body><p>Reviews and {'filler ' * 50}</p>{html}</body></html>".encode())
    assert (str(money.amount), money.currency) == expected


@pytest.mark.documents("services.md", "Finding the price")
def test_a_product_specific_selector_wins() -> None:
    html = b'<span class="price">$1.00</span><b id="real">$2.50</b>'
    assert extract_price(html, "#real").amount == Decimal("2.50")


@pytest.mark.documents("services.md", "Price history and drop alerts")
def test_no_price_on_the_page() -> None:
    with pytest.raises(PriceNotFound):
        extract_price(b"<html><body><p>Sold out</p></body></html>")


def fake_resolver(address: str):
    def resolve(host, port, type=0):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 0))]

    return resolve


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "192.168.0.1", "::1", "fd00::1", "0.0.0.0"]
)
@pytest.mark.documents("services.md", "Polite, safe fetching")
def test_private_link_local_and_loopback_hosts_are_refused(address: str) -> None:
    fetcher = PoliteFetcher(timeout=1, host_delay=0, resolve=fake_resolver(address))
    with pytest.raises(BlockedUrl, match="not a public address"):
        fetcher.get("http://shop.example/item")


@pytest.mark.documents("services.md", "Polite, safe fetching")
@pytest.mark.parametrize("url", ["ftp://shop.example/x", "file:///etc/passwd", "gopher://x", "http:///nohost"])
def test_only_http_and_https_are_fetched(url: str) -> None:
    with pytest.raises(BlockedUrl):
        PoliteFetcher(timeout=1, host_delay=0).get(url)


@pytest.mark.documents("services.md", "Polite, safe fetching")
def test_redirects_are_followed_and_checked_like_the_first_url() -> None:
    # 127.0.0.1 is allowed here; "localhost" is not, and resolves to a loopback address.
    routes = {"/page": lambda p: (200, "text/html", b"<p>hi</p>")}
    with serve(routes) as url:
        port = url.rsplit(":", 1)[1]
        routes["/moved"] = lambda p: (302, "text/plain", b"", {"Location": "/page"})
        routes["/escape"] = lambda p: (302, "text/plain", b"", {"Location": f"http://localhost:{port}/page"})
        fetcher = PoliteFetcher(timeout=2, host_delay=0, allow_hosts=("127.0.0.1",), retries=0)
        assert fetcher.get(f"{url}/moved").body == b"<p>hi</p>"
        with pytest.raises(BlockedUrl, match="localhost resolves to"):
            fetcher.get(f"{url}/escape")


@pytest.mark.documents("services.md", "Polite, safe fetching")
def test_5xx_is_retried_a_bounded_number_of_times_then_fails() -> None:
    with serve({"/busy": lambda p: (503, "text/plain", b"busy")}) as url:
        fetcher = PoliteFetcher(timeout=2, host_delay=0, allow_hosts=("127.0.0.1",), retries=2)
        with pytest.raises(FetchFailed, match="HTTP 503"):
            fetcher.get(f"{url}/busy")
        assert len([h for h in serve.hits if h == "/busy"]) == 3


@pytest.mark.documents("services.md", "Polite, safe fetching")
def test_requests_to_one_host_are_spaced_out() -> None:
    now, slept = [0.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    with serve({"/p": lambda p: (200, "text/html", b"ok")}) as url:
        fetcher = PoliteFetcher(
            timeout=2, host_delay=1.0, allow_hosts=("127.0.0.1",), clock=lambda: now[0], sleep=sleep
        )
        fetcher.get(f"{url}/p")
        now[0] += 0.2  # the next request comes 0.2 s later: it waits 0.8 s
        fetcher.get(f"{url}/p")
        now[0] += 5.0  # long enough after: no wait
        fetcher.get(f"{url}/p")
    assert slept == [pytest.approx(0.8)]


def test_product_configuration_is_validated() -> None:
    products, problems = parse_products([
        {"id": "kettle", "url": "https://shop.example/k", "name": "Kettle"},
        {"id": "Bad Id", "url": "https://x"},
        {"id": "lamp", "url": "ftp://x"},
        "nonsense",
    ])  # fmt: skip
    assert [p.product_id for p in products] == ["kettle"]
    assert len(problems) == 3


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        (("100", "USD"), ("90", "USD"), True),
        (("100", "USD"), ("90.01", "USD"), False),
        (("100", "USD"), ("50", "EUR"), False),
        (None, ("1", "USD"), False),
    ],
)
@pytest.mark.documents("services.md", "Price history and drop alerts")
def test_a_drop_is_ten_percent_or_more_in_the_same_currency(previous, current, expected) -> None:
    before = Observation("t0", Decimal(previous[0]), previous[1]) if previous else None
    assert dropped(before, Money(Decimal(current[0]), current[1]), Decimal(10)) is expected


class Pages:
    def __init__(self, prices: dict[str, str]) -> None:
        self.prices = prices
        self.deadlines: list[float] = []

    def now(self) -> float:
        return 1000.0

    def get(self, url: str, *, deadline: float) -> Page:
        self.deadlines.append(deadline)
        product = url.rsplit("/", 1)[-1]
        if product == "down":
            raise FetchFailed("down")
        return Page(f'<span class="price">{self.prices[product]}</span>'.encode(), None)


class History:
    def __init__(self) -> None:
        self.rows: dict[str, list[Observation]] = {}

    def latest(self, product_id):
        return (self.rows.get(product_id) or [None])[-1]

    def record(self, product, observation) -> None:
        self.rows.setdefault(product.product_id, []).append(observation)


def scrape(pages: Pages, history: History, alerts: list, failures: list, out_of_time=lambda: False, seconds=30.0):
    products = [Product(i, f"https://shop.example/{i}", i) for i in ("kettle", "down", "lamp")]
    return run(products, fetcher=pages, extract=extract_price, history=history, alert=alerts.append, now=lambda: "now",
               drop_percent=Decimal(10), out_of_time=out_of_time, seconds_for=lambda: seconds,
               report_failure=lambda p, e: failures.append(p.product_id))  # fmt: skip


@pytest.mark.documents("services.md", "Price history and drop alerts")
def test_a_run_records_prices_alerts_on_drops_and_survives_a_failing_product() -> None:
    pages, history, alerts, failures = Pages({"kettle": "$100.00", "lamp": "$20.00"}), History(), [], []
    first = scrape(pages, history, alerts, failures)
    pages.prices["kettle"] = "$85.00"
    second = scrape(pages, history, alerts, failures)
    assert (first.checked, first.failed, second.alerts) == (2, 1, 1)
    assert [a["product_id"] for a in alerts] == ["kettle"]
    assert alerts[0]["previous_amount"] == "100.00" and alerts[0]["amount"] == "85.00"
    assert failures == ["down", "down"]


def test_a_run_out_of_time_skips_the_rest() -> None:
    report = scrape(Pages({"kettle": "$1", "lamp": "$1"}), History(), [], [], out_of_time=lambda: True)
    assert (report.checked, report.skipped) == (0, 3)


@pytest.mark.documents("services.md", "Each product has a deadline")
def test_each_product_is_fetched_with_its_own_deadline() -> None:
    pages = Pages({"kettle": "$1", "lamp": "$1"})
    scrape(pages, History(), [], [], seconds=12.5)
    assert pages.deadlines == [1012.5, 1012.5, 1012.5]
