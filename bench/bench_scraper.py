"""The price in a 300 KB product page: the scraper's extractor against plain lxml with XPath.

Interleaved in one process: `extract_price` (decode the bytes, build lxml's tree, the default
lookups); the floor, lxml's HTML parser with one precompiled XPath comparing the price's class exactly,
which is the least any parser-based extractor does; and, for the record, what the seed guide does (BeautifulSoup with
html.parser on the whole page) and a product's own CSS selector (BeautifulSoup on lxml).
Then the cost of importing each engine, which a cold start pays.
"""

from __future__ import annotations

import json
import subprocess
import sys

from bs4 import BeautifulSoup
from harness import ROOT, interleaved, median, result, table, timed
from lxml import etree

from lambdas.services.scraper.extract import extract_price
from lambdas.services.scraper.prices import parse_price

ROUNDS = 21
# The least a parser-based extractor does: one attribute compared exactly, no string function per
# element (a floor that normalised every class attribute flattered whatever it was compared with).
PRICE = etree.XPath('//*[@class="price"]')


def page(target_bytes: int = 300_000) -> bytes:
    """A shop's product page as they come: stylesheets, JSON-LD and a state script in the head, deep
    navigation, the price inside nested wrappers, then a grid of related products whose own classes
    contain "price" ("price-old"), up to `target_bytes`."""
    offer = {"@type": "Offer", "price": "1299.99", "priceCurrency": "USD"}
    ld = json.dumps({"@context": "https://schema.org", "@type": "Product", "name": "Kettle", "offers": offer})
    state = json.dumps({"items": [{"id": n, "name": f"item {n}", "price": n * 1.5} for n in range(300)]})
    card = (
        "<div class='card'><div class='card-body'><div class='row'><div class='col'><a href='/p/{n}'>"
        "<img src='/i/{n}.jpg' alt='Product {n}'></a><span class='title'>Product {n}</span>"
        "<span class='price-old'>${n}.99</span></div></div></div></div>"
    )
    head = (
        "<!doctype html><html><head><title>Kettle</title><meta charset='utf-8'>"
        + "".join(f"<link rel='stylesheet' href='/s{n}.css'>" for n in range(20))
        + f"<script type='application/ld+json'>{ld}</script><script>window.__STATE__={state};</script>"
        "<style>.card{display:flex}</style></head><body>"
        "<nav>" + "".join(f"<a href='/c/{n}'>Category {n}</a>" for n in range(200)) + "</nav>"
        "<main><div class='wrap'><div class='inner'><h1>Electric kettle</h1>"
        "<div class='product-price'><span class='price'>$1,299.99</span></div></div></div><section>"
    )
    body, n = head, 0
    while len(body.encode()) < target_bytes:
        body += card.format(n=n)
        n += 1
    return (body + "</section></main><footer>© shop</footer></body></html>").encode()


PLAIN_HTML = etree.HTMLParser(encoding="utf-8")  # lxml.html adds a Python class lookup per element


def floor(page_bytes: bytes) -> object:
    return parse_price("".join(PRICE(etree.fromstring(page_bytes, PLAIN_HTML))[0].itertext()))


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
                           "seed": lambda: timed(lambda: seed(doc)) * 1000}, rounds=ROUNDS, collect=True)  # fmt: skip
    table(f"price from a {len(doc) / 1000:.0f} KB page ({ROUNDS} runs, interleaved)", ["median ms"],
          [["the scraper: `extract_price` (lxml, compiled XPath)", f"{median(samples['project']):.1f}"],
           ["floor: lxml HTML parser + one compiled XPath (class compared exactly)", f"{median(samples['floor']):.1f}"],
           ["a product's own CSS selector (BeautifulSoup on lxml)", f"{median(samples['css']):.1f}"],
           ["the seed guide: BeautifulSoup, html.parser", f"{median(samples['seed']):.1f}"]])  # fmt: skip
    table("import at cold start (5 fresh processes)", ["median ms"],
          [["lambdas.services.scraper.extract (lxml)", f"{import_ms('lambdas.services.scraper.extract'):.0f}"],
           ["bs4 (only for a product's own selector)", f"{import_ms('bs4'):.0f}"]])  # fmt: skip
    result("scraper_price_ms", median(samples["project"]), median(samples["floor"]))


if __name__ == "__main__":
    main()
