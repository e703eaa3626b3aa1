"""Finding the price in a product page with BeautifulSoup on lxml, parsing only what can hold one.

Without a product-specific selector, only `<meta>` tags, tags with `itemprop`, and tags whose
class mentions "price" are built into the tree; the rest of the page is skipped by the parser.
No AWS here.
"""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup
from bs4.filter import ElementFilter

from lambdas.services.scraper.prices import Money, PriceNotFound, parse_price

DEFAULT_SELECTORS = (
    'meta[itemprop="price"]',
    '[itemprop="price"]',
    'meta[property="product:price:amount"]',
    "[data-price]",
    ".price",
)


class _PriceTags(ElementFilter):
    def allow_tag_creation(self, nsprefix: str | None, name: str, attrs: Any) -> bool:
        attrs = attrs or {}
        classes = attrs.get("class", "")
        classes = " ".join(classes) if isinstance(classes, list) else str(classes)
        return name == "meta" or "itemprop" in attrs or "data-price" in attrs or "price" in classes.lower()


def _meta(soup: BeautifulSoup, selector: str) -> str | None:
    tag = soup.select_one(selector)
    value = tag.get("content") if tag is not None else None
    return str(value) if value else None


def extract_price(html: bytes, selector: str | None = None) -> Money:
    soup = BeautifulSoup(html, "lxml", parse_only=None if selector else _PriceTags())
    currency = _meta(soup, '[itemprop="priceCurrency"]') or _meta(soup, 'meta[property="product:price:currency"]')
    for candidate in (selector,) if selector else DEFAULT_SELECTORS:
        tag = soup.select_one(candidate)
        if tag is None:
            continue
        # Machine-readable values first: content= and data-price= are plain decimals.
        machine = tag.get("content") or tag.get("data-price")
        if machine:
            return parse_price(str(machine), currency)
        return parse_price(tag.get_text(" ", strip=True), currency)
    raise PriceNotFound(f"no element matches {selector or ', '.join(DEFAULT_SELECTORS)}")
