"""The price in a 300 KB product page: the scraper's extractor against plain lxml with XPath.

Interleaved in one process: `extract_price` (decode the bytes, build lxml's tree, the default
lookups); the floor, lxml.html with one precompiled XPath for the price's class, which is the least
any parser-based extractor does; and, for the record, what the seed guide does (BeautifulSoup with
html.parser on the whole page) and a product's own CSS selector (BeautifulSoup on lxml).
Then the cost of importing each engine, which a cold start pays.
"""

from __future__ import annotations

import subprocess
import sys

from bs4 import BeautifulSoup
from harness import ROOT, interleaved, median, result, table, timed
from lxml import etree, html

from lambdas.services.scraper.extract import extract_price
from lambdas.services.scraper.prices import parse_price

ROUNDS = 21
PRICE = etree.XPath('(//*[contains(concat(" ", normalize-space(@class), " "), " price ")])[1]')


def page(target_bytes: int = 300_000) -> bytes:
    review = (
        '<li class="review"><div class="stars" data-rating="4">★★★★☆</div><p>Works as described, '
        "arrived on time, would buy again. The handle gets warm.</p><span class='author'>A. Buyer</span></li>"
    )
    head = (
        "<!doctype html><html><head><title>Kettle</title><meta charset='utf-8'>"
        + "".join(f"<link rel='stylesheet' href='/s{n}.css'>" for n in range(20))
        + "</head><body>"
        "<nav>" + "".join(f"<a href='/c/{n}'>Category {n}</a>" for n in range(200)) + "</nav>"
        "<h1>Electric kettle</h1><div class='product-price'><span class='price'>$1,299.99</span></div><ul>"
    )
    body = head
    while len(body.encode()) < target_bytes:
        body += review
    return (body + "</ul><footer>© shop</footer></body></html>").encode()


def floor(page_bytes: bytes) -> object:
    return parse_price(PRICE(html.document_fromstring(page_bytes))[0].text_content())


def seed(page_bytes: bytes) -> object:
    return parse_price(BeautifulSoup(page_bytes, "html.parser").select_one(".price").get_text())


def import_ms(module: str) -> float:
    code = f"import time; s = time.perf_counter(); import {module}; print((time.perf_counter() - s) * 1000)"
    runs = [float(subprocess.run([sys.executable, "-c", code], cwd=ROOT / "src", capture_output=True, text=True,
                                 check=True).stdout) for _ in range(5)]  # fmt: skip
    return median(runs)


def main() -> None:
    doc = page()
    assert extract_price(doc) == floor(doc) == seed(doc) == extract_price(doc, ".product-price .price")
    samples = interleaved({"project": lambda: timed(lambda: extract_price(doc)) * 1000,
                           "floor": lambda: timed(lambda: floor(doc)) * 1000,
                           "css": lambda: timed(lambda: extract_price(doc, ".product-price .price")) * 1000,
                           "seed": lambda: timed(lambda: seed(doc)) * 1000}, rounds=ROUNDS)  # fmt: skip
    table(f"price from a {len(doc) / 1000:.0f} KB page ({ROUNDS} runs, interleaved)", ["median ms"],
          [["the scraper: `extract_price` (lxml, compiled XPath)", f"{median(samples['project']):.1f}"],
           ["floor: lxml.html + one compiled XPath", f"{median(samples['floor']):.1f}"],
           ["a product's own CSS selector (BeautifulSoup on lxml)", f"{median(samples['css']):.1f}"],
           ["the seed guide: BeautifulSoup, html.parser", f"{median(samples['seed']):.1f}"]])  # fmt: skip
    table("import at cold start (5 fresh processes)", ["median ms"],
          [["lambdas.services.scraper.extract (lxml)", f"{import_ms('lambdas.services.scraper.extract'):.0f}"],
           ["bs4 (only for a product's own selector)", f"{import_ms('bs4'):.0f}"]])  # fmt: skip
    result("scraper_price_ms", median(samples["project"]), median(samples["floor"]))


if __name__ == "__main__":
    main()
