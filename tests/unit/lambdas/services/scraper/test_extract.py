"""The price extractor's two engines agree: lxml with compiled XPath (every default lookup) and
BeautifulSoup's CSS (a product's own selector, and pages too deep for lxml's tree) find the same price
or refuse the same page; and BeautifulSoup is not even imported for the default lookups."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest

from lambdas.services.scraper.extract import DEFAULT_SELECTORS, _with_soup, decode_page, extract_price
from tests import hostile
from tests.conftest import ROOT

PAGES = {
    "microdata": b'<span itemprop="price" content="1299.99">1.299,99 \xe2\x82\xac</span>'
    b'<meta itemprop="priceCurrency" content="EUR">',
    "open graph": b'<meta property="product:price:amount" content="45.5">'
    b'<meta property="product:price:currency" content="GBP">',
    "class token": b'<div class="product-price"><span class="sale\tprice\n big">$19.99</span></div>',
    "class prefix only": b'<span class="pricey">$3</span><span class="price-tag">$4</span>',
    "data attribute": b'<button data-price="7.25">Buy</button><span class="price">$9</span>',
    "nested text": b'<p class="price"><b>$</b> 1,299<sup>.99</sup><!-- was $2000 --><script>var x=1</script></p>',
    "trust order": b'<span class="price">$5</span><meta itemprop="price" content="4.50">',
    "empty microdata": b'<meta itemprop="price" content=""><span itemprop="price">12 kr</span>',
    "latin-1 declared": '<meta charset="iso-8859-1"><span class="price">\xa3 12</span>'.encode("latin-1"),
    "windows-1252 undeclared": '<span class="price">\u20ac 8,50</span>'.encode("windows-1252"),
    "utf-16 with bom": '\ufeff<span class="price">\u00a512</span>'.encode("utf-16"),
    "xhtml declaration": b'<?xml version="1.0" encoding="utf-8"?><html><body><i class="price">$2</i></body></html>',
    "no html": b"just text $5",
    # the lookups test only the attributes a page names, and the class token in XPath where it can
    "upper-case attributes": b'<SPAN CLASS="price">$1</SPAN><META ITEMPROP="Price" content="2"><SPAN ItemProp="price" '
    b'Content="3.10">x</SPAN>',
    "form feed between classes": b'<span class="price-old">$1</span><span class="sale\x0cprice">$2.50</span>',
    "a grid of old prices first": b"".join(b'<s class="price-old">$%d</s>' % n for n in range(50))
    + b'<span class="price">$7</span>',
    "names in text, not attributes": b"<p>data-price itemprop property</p><span class='price'>$4</span>",
    **{f"hostile {path}": case[2] for path, case in hostile.page_cases().items()},
}


def outcome(find) -> tuple[str, ...]:
    try:
        money = find()
    except Exception as exc:  # the named rejection is the outcome
        return (type(exc).__name__,)
    return (str(money.amount), str(money.currency))


@pytest.mark.documents("services.md", "Finding the price")
@pytest.mark.parametrize("name", PAGES)
def test_both_engines_give_the_same_answer(name: str) -> None:
    page = PAGES[name]
    names = tuple(css for css, _ in DEFAULT_SELECTORS)
    soup = outcome(lambda: _with_soup(decode_page(page), names) if decode_page(page).strip() else extract_price(page))
    assert outcome(lambda: extract_price(page)) == soup


@pytest.mark.parametrize(
    ("name", "expected"),
    [("microdata", ("1299.99", "EUR")), ("class token", ("19.99", "USD")), ("data attribute", ("7.25", "None")),
     ("nested text", ("1299.99", "USD")), ("trust order", ("4.50", "None")), ("latin-1 declared", ("12", "GBP")),
     ("windows-1252 undeclared", ("8.50", "EUR")), ("utf-16 with bom", ("12", "JPY")),
     ("upper-case attributes", ("3.10", "None")), ("form feed between classes", ("2.50", "USD")),
     ("a grid of old prices first", ("7", "USD")), ("names in text, not attributes", ("4", "USD"))],
)  # fmt: skip
@pytest.mark.documents("services.md", "Finding the price")
def test_the_price_is_read_where_and_how_shops_write_it(name: str, expected: tuple[str, str]) -> None:
    assert outcome(lambda: extract_price(PAGES[name])) == expected


@pytest.mark.documents("services.md", "Finding the price")
def test_a_page_deeper_than_lxml_builds_is_still_read() -> None:
    page = b"<div>" * 20_000 + b'<span class="price">$1</span>'
    assert extract_price(page).amount == Decimal("1")


@pytest.mark.documents("services.md", "Pages decoded as a browser decodes them")
def test_pages_are_decoded_as_a_browser_decodes_them() -> None:
    assert decode_page("<meta charset=shift_jis>\u5186".encode("shift_jis")).endswith("\u5186")
    assert decode_page(b'<meta charset="no-such-charset">\xc3\xa9').endswith("\u00e9")
    assert decode_page(b"\xe9t\xe9") == "\u00e9t\u00e9"  # not UTF-8: windows-1252


@pytest.mark.documents("services.md", "Finding the price")
def test_beautifulsoup_is_imported_only_for_a_products_own_selector() -> None:
    probe = (
        "import sys; from lambdas.services.scraper.extract import extract_price as x; "
        "x(b'<span class=price>$1</span>'); print('bs4' in sys.modules); "
        "x(b'<b id=p>$1</b>', '#p'); print('bs4' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env={"PYTHONPATH": str(ROOT / "src")},
                            capture_output=True, text=True, check=True)  # fmt: skip
    assert result.stdout.split() == ["False", "True"]
