"""Finding the price in a product page. No AWS here.

Where shops put prices is a short list (schema.org microdata, Open Graph meta tags, `data-price`,
a `price` class): one XPath, compiled once per container, collects in a single pass of lxml's tree
(in C) every element any of them could match, and the few it finds are tried in order. A product
with its own CSS selector is read with BeautifulSoup's CSS engine, imported only when such a
product is scraped (its import alone costs more than a page), as is a page nested deeper than lxml
builds trees for.

The page's bytes are decoded as a browser would: a byte order mark, else the charset the page
declares, else UTF-8 if the bytes are UTF-8, else windows-1252.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from lxml import etree, html

from lambdas.services.scraper.prices import Money, PriceNotFound, parse_price

# (what it is called in an error, whether an element is one): the order is the order of trust
DEFAULT_SELECTORS = (
    ('meta[itemprop="price"]', lambda e: e.tag == "meta" and e.get("itemprop") == "price"),
    ('[itemprop="price"]', lambda e: e.get("itemprop") == "price"),
    ('meta[property="product:price:amount"]', lambda e: e.tag == "meta" and e.get("property") == _AMOUNT),
    ("[data-price]", lambda e: e.get("data-price") is not None),
    (".price", lambda e: "price" in _CLASS_SEPARATORS.split(e.get("class") or "")),
)
_AMOUNT, _CURRENCY_PROPERTY = "product:price:amount", "product:price:currency"
_CLASS_SEPARATORS = re.compile(r"[ \t\n\r\f]+")  # CSS's whitespace, not Unicode's
# One pass over the document finds every element a lookup could want, in document order (libxml2
# tests an attribute's presence faster than its value: the exact tests are the Python ones above).
_CANDIDATES = etree.XPath('//*[@itemprop or @property or @data-price or contains(@class, "price")]')
_TEXT = etree.XPath(".//text()[not(ancestor::script or ancestor::style or ancestor::template)]")
_PARSER = html.HTMLParser(encoding="utf-8", remove_comments=True, no_network=True)
_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_page(page: bytes) -> str:
    return _decoded(page)[0]


def _decoded(page: bytes) -> tuple[str, str]:
    """The page's text and the encoding it was read in."""
    for bom, encoding in _BOMS:
        if page.startswith(bom):
            return page.decode(encoding, errors="replace"), encoding + "-bom"
    declared = _DECLARED.search(page[:4096])
    if declared:
        try:
            encoding = codecs.lookup(declared.group(1).decode("ascii")).name
            return page.decode(encoding, errors="replace"), encoding
        except LookupError:
            pass  # a charset no one knows: guess, as a browser does
    try:
        return page.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return page.decode("windows-1252", errors="replace"), "cp1252"


def _text(element: Any) -> str:
    return " ".join(part.strip() for part in _TEXT(element) if part.strip())


def _value(element: Any, currency: str | None) -> Money:
    # Machine-readable values first: content= and data-price= are plain decimals.
    machine = element.get("content") or element.get("data-price")
    return parse_price(machine if machine else _text(element), currency)


def _tree(page: bytes, text: str, encoding: str) -> Any | None:
    """The page's tree; None when lxml stopped building it (a page nested thousands of levels deep)."""
    # a UTF-8 page (most are) is parsed from its own bytes; any other from its text, re-encoded
    data = page if encoding == "utf-8" else text.encode("utf-8", "surrogatepass")
    try:
        tree = html.document_fromstring(data, parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise PriceNotFound(f"the page is not HTML: {exc}") from None
    limited = any(error.type_name == "ERR_RESOURCE_LIMIT" for error in _PARSER.error_log)
    return None if limited else tree


def _with_soup(text: str, selectors: tuple[str, ...]) -> Money:
    """The price by CSS selectors, with BeautifulSoup: for a product's own selector, and for pages
    lxml cannot build a tree of (its SAX mode, which BeautifulSoup uses, has no depth limit)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "lxml")
    currency = None
    for name in ('[itemprop="priceCurrency"]', 'meta[property="product:price:currency"]'):
        tag = soup.select_one(name)
        if tag is not None and tag.get("content"):
            currency = str(tag.get("content"))
            break
    for selector in selectors:
        tag = soup.select_one(selector)
        if tag is not None:
            machine = tag.get("content") or tag.get("data-price")
            return parse_price(str(machine) if machine else tag.get_text(" ", strip=True), currency)
    raise PriceNotFound(f"no element matches {', '.join(selectors)}")


def _currency(candidates: list[Any]) -> str | None:
    for element in candidates:
        is_currency = element.get("itemprop") == "priceCurrency" or (
            element.tag == "meta" and element.get("property") == _CURRENCY_PROPERTY
        )
        content = element.get("content") if is_currency else None
        if content and content.strip():
            return content
    return None


def extract_price(page: bytes, selector: str | None = None) -> Money:
    text, encoding = _decoded(page)
    if not text.strip():
        raise PriceNotFound("the page is empty")
    if selector:
        return _with_soup(text, (selector,))
    tree = _tree(page, text, encoding)
    if tree is None:
        return _with_soup(text, tuple(name for name, _ in DEFAULT_SELECTORS))
    candidates = _CANDIDATES(tree)
    for _, matches in DEFAULT_SELECTORS:
        match = next((element for element in candidates if matches(element)), None)
        if match is not None:
            return _value(match, _currency(candidates))
    raise PriceNotFound(f"no element matches {', '.join(name for name, _ in DEFAULT_SELECTORS)}")
