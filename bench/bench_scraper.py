"""Price extraction from a 300 KB product page: lxml parsing only price-bearing tags, against html.parser.

The baseline is what the seed guide's scraper does: `BeautifulSoup(page, "html.parser")` on the
whole page, then the same lookup.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from bs4 import BeautifulSoup  # noqa: E402

from lambdas.services.scraper.extract import extract_price  # noqa: E402
from lambdas.services.scraper.prices import parse_price  # noqa: E402

RUNS = 30


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


def baseline(html: bytes) -> object:
    soup = BeautifulSoup(html, "html.parser")
    return parse_price(soup.select_one(".price").get_text())


def timed(action, html: bytes) -> list[float]:
    action(html)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action(html)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    html = page()
    assert extract_price(html) == baseline(html)
    fast, slow = timed(extract_price, html), timed(baseline, html)
    print(f"| price from a {len(html) / 1000:.0f} KB page ({RUNS} runs) | median ms | min ms |")
    print("|---|---:|---:|")
    print(f"| lxml, only price-bearing tags built (the scraper) | {statistics.median(fast):.1f} | {min(fast):.1f} |")
    print(f"| html.parser, whole page | {statistics.median(slow):.1f} | {min(slow):.1f} |")


if __name__ == "__main__":
    main()
