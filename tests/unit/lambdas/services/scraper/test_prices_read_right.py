"""Prices read right, whoever wrote them, and one slow shop costing only its own product.

Outside inputs: Unicode CLDR's currency formats as Babel carries them (every ISO 4217 currency in 26
locales: CA$, A$, $CA, $ AU, Nkr, EG£, 1’299.99, 1 299,990 ...). A shop writes what CLDR writes.
"""

from __future__ import annotations

import time
from decimal import Decimal
from email.utils import formatdate

import pytest
from babel.numbers import format_currency, list_currencies

from lambdas.services.scraper.extract import extract_price
from lambdas.services.scraper.fetch import FetchFailed, PoliteFetcher
from lambdas.services.scraper.prices import ISO_4217, SHARED, InvalidPrice, parse_price
from lambdas.services.scraper.service import Product, run
from tests.httpserver import serve

LOCALES = ["en", "en_US", "en_GB", "en_IN", "en_AU", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "nl_NL", "ja_JP",
           "sv_SE", "nb_NO", "da_DK", "de_CH", "fr_CA", "es_MX", "pl_PL", "zh_CN", "ko_KR", "ar_EG", "hi_IN", "ru_RU",
           "tr_TR", "he_IL"]  # fmt: skip
CURRENCIES = sorted(ISO_4217 & set(list_currencies()))


def _bare_shared_sign(text: str) -> str | None:
    """The default of the one shared sign `text` holds with no letters marking it ("$1,299.99", "1 299 kr")."""
    letters = "".join(c for c in text if c.isalpha())
    for sign, (default, _) in SHARED.items():
        if sign in text and letters in ("", sign):
            return default
    return None


@pytest.mark.documents("services.md", "Shop text", "The currency")
@pytest.mark.parametrize("locale", LOCALES)
def test_cldr_prices_are_read_exactly_and_never_as_another_currency(locale: str) -> None:
    wrong, misread = [], []
    for code in CURRENCIES:
        text = format_currency(Decimal("1299.99"), code, locale=locale)
        try:
            money = parse_price(text)
        except InvalidPrice:
            continue  # refused is allowed; read wrong is not
        if money.amount not in (Decimal("1299.99"), Decimal("1300"), Decimal("1299.990")):
            misread.append((code, text, money.amount))
        # A bare shared sign ($, ¥, kr, £) in the shop's own country is ambiguous: the page's declared
        # currency decides (extract.py); alone it is the sign's most common currency.
        if money.currency not in (code, None) and money.currency != _bare_shared_sign(text):
            wrong.append((code, text, money.currency))
    assert not misread
    assert not wrong


@pytest.mark.parametrize(
    ("text", "currency"),
    [("CA$19.99", "CAD"), ("C$ 19.99", "CAD"), ("A$5", "AUD"), ("NZ$5", "NZD"), ("HK$5", "HKD"), ("NT$5", "TWD"),
     ("MX$5", "MXN"), ("R$ 5,00", "BRL"), ("US$5", "USD"), ("$5", "USD"), ("$5 CAD", "CAD"), ("5 $ CAD", "CAD"),
     ("19,99 $CA", "CAD"), ("19,99 $ AU", "AUD"), ("NZD$12", "NZD"), ("12 Nkr", "NOK"), ("EG£5", "EGP")],
)  # fmt: skip
@pytest.mark.documents("services.md", "The currency")
def test_a_marked_dollar_is_its_own_currency(text: str, currency: str) -> None:
    assert parse_price(text).currency == currency


@pytest.mark.documents("services.md", "The currency")
@pytest.mark.parametrize("text", ["XY$19.99", "ZZ$5", "£QQ 5"])
def test_a_dollar_marked_with_letters_that_name_none_is_refused(text: str) -> None:
    with pytest.raises(InvalidPrice, match="names no currency"):
        parse_price(text)


@pytest.mark.parametrize(
    ("markup", "amount"),
    [('<meta itemprop="price" content="1.799">', "1.799"), ('<span data-price="2.500">2.500 KWD</span>', "2.500"),
     ('<meta property="product:price:amount" content="1299.5">', "1299.5"),
     ('<span itemprop="price" content="0.5">', "0.5")],
)  # fmt: skip
@pytest.mark.documents("services.md", "Machine-readable values")
def test_machine_readable_prices_are_plain_decimals_not_shop_text(markup: str, amount: str) -> None:
    assert extract_price(f"<html><body>{markup}</body></html>".encode()).amount == Decimal(amount)


@pytest.mark.documents("services.md", "Machine-readable values")
@pytest.mark.parametrize("value", ["1,799", "$19.99", "1e3", "1.799,00", "١٢", "-5"])
def test_a_machine_readable_price_outside_the_grammar_is_refused(value: str) -> None:
    page = f'<html><body><span data-price="{value}">x</span></body></html>'.encode()
    with pytest.raises(InvalidPrice, match="machine-readable"):
        extract_price(page)


@pytest.mark.documents("services.md", "Pages decoded as a browser decodes them")
def test_a_charset_named_only_by_the_http_header_is_used() -> None:
    # GIVEN a Shift_JIS page whose only charset is in its Content-Type header
    page = '<html><body><span class="price">￥1,200</span> 円</body></html>'.encode("shift_jis")
    with serve({"/p": lambda p: (200, "text/html; charset=Shift_JIS", page)}) as url:
        fetched = PoliteFetcher(timeout=2, host_delay=0, allow_hosts=("127.0.0.1",)).get(f"{url}/p")
    # WHEN it is read THEN the header's charset decodes it, so the yen sign survives
    assert fetched.charset == "Shift_JIS"
    money = extract_price(fetched.body, None, fetched.charset)
    assert (money.amount, money.currency) == (Decimal("1200"), "JPY")
    assert extract_price(fetched.body).currency is None  # without the header: decoded as windows-1252


@pytest.mark.documents("services.md", "Each product has a deadline")
# an HTTP date an hour ahead, as a shop writes it; its id is fixed (pytest-xdist needs the same ids in each worker)
@pytest.mark.parametrize(
    "retry_after", ["3600", formatdate(time.time() + 3600, usegmt=True)], ids=["seconds", "http-date"]
)
def test_a_long_retry_after_gives_up_that_product_at_once_and_the_run_goes_on(retry_after: str) -> None:
    # GIVEN a shop that throttles one product for an hour, and a second product on a healthy page
    routes = {
        "/slow": lambda p: (429, "text/html", b"busy", {"Retry-After": retry_after}),
        "/fine": lambda p: (200, "text/html", b'<span class="price">$5.00</span>'),
    }
    recorded, failures = [], []
    with serve(routes) as url:
        fetcher = PoliteFetcher(timeout=2, host_delay=0, allow_hosts=("127.0.0.1",), retries=2)
        products = [Product("a-slow", f"{url}/slow", "slow"), Product("b-fine", f"{url}/fine", "fine")]
        started = time.monotonic()

        class History:
            def latest(self, product_id: str) -> None:
                return None

            def record(self, product: Product, observation: object) -> None:
                recorded.append(product.product_id)

        # WHEN a run gives each product 20 s
        report = run(products, fetcher=fetcher, extract=extract_price, history=History(), alert=lambda d: None,
                     now=lambda: "t", drop_percent=Decimal(10), out_of_time=lambda: False, seconds_for=lambda: 20.0,
                     report_failure=lambda p, e: failures.append((p.product_id, str(e))))  # fmt: skip
        elapsed = time.monotonic() - started
    # THEN the throttled product fails alone, saying why, without waiting for the hour
    assert (report.checked, report.failed, recorded) == (1, 1, ["b-fine"])
    assert failures[0][0] == "a-slow" and "deadline" in failures[0][1]
    assert elapsed < 15  # far below 3600: no wait began that the deadline could not hold


@pytest.mark.documents("services.md", "Each product has a deadline")
def test_short_waits_are_retried_within_the_deadline() -> None:
    answers = iter([(503, "text/html", b"", {"Retry-After": "0"}), (200, "text/html", b"ok")])
    with serve({"/p": lambda p: next(answers)}) as url:
        fetcher = PoliteFetcher(timeout=2, host_delay=0, allow_hosts=("127.0.0.1",), retries=2)
        assert fetcher.get(f"{url}/p", deadline=fetcher.now() + 10).body == b"ok"


@pytest.mark.documents("services.md", "Each product has a deadline")
def test_a_deadline_already_past_fetches_nothing() -> None:
    with serve({"/p": lambda p: (200, "text/html", b"ok")}) as url:
        fetcher = PoliteFetcher(timeout=2, host_delay=0, allow_hosts=("127.0.0.1",))
        with pytest.raises(FetchFailed, match="deadline"):
            fetcher.get(f"{url}/p", deadline=fetcher.now() - 1)
        assert serve.hits == []
