"""Finding the price in a product page. No AWS here.

Where shops put prices is a short list (schema.org microdata, Open Graph meta tags, `data-price`,
a `price` class): one XPath, compiled once per container, collects in a single pass of lxml's tree
(in C) every element any of them could match, and the few it finds are tried in order. A product
with its own CSS selector is read with BeautifulSoup's CSS engine, imported only when such a
product is scraped (its import alone costs more than a page), as is a page nested deeper than lxml
builds trees for.

The page's bytes are decoded as a browser would (WHATWG's encoding sniffing, in its order): a byte
order mark, else the charset of the HTTP Content-Type header, else the charset the page declares in
a meta tag, else UTF-8 if the bytes are UTF-8, else windows-1252.
"""

from __future__ import annotations

import codecs
import functools
import re
from typing import Any

from lxml import etree

from lambdas.services.scraper.prices import Money, PriceNotFound, parse_machine_price, parse_price

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
# An attribute that the page's text never names is not tested on each of its elements: on a
# 300 KB shop page the catch-all test cost more than parsing the page.
_ATTRIBUTES = (b"itemprop", b"property", b"data-price")


# The class token "price" (not "price-old"): string functions only where "price" occurs at all. A
# form feed also separates classes but cannot be written in an XPath: a page that has one anywhere
# gets the looser test, and the exact one in Python decides as always.
_PRICE_CLASS = 'contains(@class, "price")'
_PRICE_TOKEN = f'({_PRICE_CLASS} and contains(concat(" ", translate(@class, "\t\n\r", "   "), " "), " price "))'


@functools.cache
def _candidates_among(named: tuple[bytes, ...], form_feed: bool) -> etree.XPath:
    tests = [f"@{name.decode()}" for name in named] + [_PRICE_CLASS if form_feed else _PRICE_TOKEN]
    return etree.XPath(f"//*[{' or '.join(tests)}]")


def _named(parsed: bytes) -> tuple[bytes, ...]:
    """Which of the attributes the bytes lxml parsed name at all (ASCII names; HTML's ignore case)."""
    lowered = parsed.lower()
    return tuple(name for name in _ATTRIBUTES if name in lowered)


# The attribute a lookup needs: one the page never names is not looked for among the candidates.
_NEEDS = {'meta[itemprop="price"]': b"itemprop", '[itemprop="price"]': b"itemprop",
          'meta[property="product:price:amount"]': b"property", "[data-price]": b"data-price"}  # fmt: skip


_TEXT = etree.XPath(".//text()[not(ancestor::script or ancestor::style or ancestor::template)]")
# lxml's own HTML parser, not lxml.html's: that one gives every element a Python class lookup when
# it is first touched, and the candidates of a shop page (every "price-old" of its product grid)
# cost more that way than parsing the page.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, no_network=True)
_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# WHATWG's Encoding standard reads these labels as windows-1252 (€ at 0x80 and the rest of 0x80-0x9F),
# and a declared UTF-16 without a byte order mark as UTF-8.
_AS_BROWSERS_READ = {"iso8859-1": "cp1252", "ascii": "cp1252", "utf-16": "utf-8", "utf-16-le": "utf-8",
                     "utf-16-be": "utf-8"}  # fmt: skip
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_page(page: bytes, charset: str | None = None) -> str:
    return _decoded(page, charset)[0]


def _known(label: str | bytes | None) -> str | None:
    """Python's name of a charset label, None when no codec knows it (a browser then goes on sniffing)."""
    if not label:
        return None
    try:
        text = label.decode("ascii") if isinstance(label, bytes) else label
        name = codecs.lookup(text.strip().strip("\"'")).name
    except (LookupError, UnicodeDecodeError):
        return None
    return _AS_BROWSERS_READ.get(name, name)


def _decoded(page: bytes, charset: str | None = None) -> tuple[str, str]:
    """The page's text and the encoding it was read in; `charset` is the HTTP header's, if it named one."""
    for bom, encoding in _BOMS:
        if page.startswith(bom):
            return page.decode(encoding, errors="replace"), encoding + "-bom"
    declared = _DECLARED.search(page[:4096])
    for encoding in (_known(charset), _known(declared.group(1) if declared else None)):
        if encoding:
            return page.decode(encoding, errors="replace"), encoding
    try:
        return page.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return page.decode("windows-1252", errors="replace"), "cp1252"


def _text(element: Any) -> str:
    return " ".join(part.strip() for part in _TEXT(element) if part.strip())


def _value(element: Any, currency: str | None) -> Money:
    # Machine-readable values first: content= and data-price= are plain decimals, "." their point.
    machine = element.get("content") or element.get("data-price")
    return parse_machine_price(machine, currency) if machine else parse_price(_text(element), currency)


def _parsed_bytes(page: bytes, text: str, encoding: str) -> bytes:
    # a UTF-8 page (most are) is parsed from its own bytes; any other from its text, re-encoded
    return page if encoding == "utf-8" else text.encode("utf-8", "surrogatepass")


def _tree(data: bytes) -> Any | None:
    """The page's tree; None when lxml stopped building it (a page nested thousands of levels deep)."""
    try:
        tree = etree.fromstring(data, parser=_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise PriceNotFound(f"the page is not HTML: {exc}") from None
    if tree is None:
        raise PriceNotFound("the page is not HTML: Document is empty")
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
            if machine:
                return parse_machine_price(str(machine), currency)
            return parse_price(tag.get_text(" ", strip=True), currency)
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


def extract_price(page: bytes, selector: str | None = None, charset: str | None = None) -> Money:
    """The product's price on `page`; `charset` is what the HTTP Content-Type header named, if anything."""
    text, encoding = _decoded(page, charset)
    if not text.strip():
        raise PriceNotFound("the page is empty")
    if selector:
        return _with_soup(text, (selector,))
    data = _parsed_bytes(page, text, encoding)
    tree = _tree(data)
    if tree is None:
        return _with_soup(text, tuple(name for name, _ in DEFAULT_SELECTORS))
    named = _named(data)
    candidates = _candidates_among(named, b"\f" in data)(tree)
    for name, matches in DEFAULT_SELECTORS:
        needs = _NEEDS.get(name)
        if needs is not None and needs not in named:
            continue
        match = next((element for element in candidates if matches(element)), None)
        if match is not None:
            return _value(match, _currency(candidates) if {b"itemprop", b"property"} & set(named) else None)
    raise PriceNotFound(f"no element matches {', '.join(name for name, _ in DEFAULT_SELECTORS)}")
