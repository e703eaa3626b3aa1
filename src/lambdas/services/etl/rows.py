"""Sales rows: CSV parsing, validation and transformation. No AWS here.

Input columns (any order, case-insensitive header, extra columns ignored): id, date, amount,
region, product. A row is either a Sale ready to store or a Rejection naming its line and reason.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from lambdas.common.exceptions import UnprocessableContent
from lambdas.common.identifiers import Shape
from lambdas.common.money import AmountError, parse_amount
from lambdas.services.etl.text import BadEncoding, invalid_bytes

COLUMNS = ("id", "date", "amount", "region", "product")
MAX_DECIMALS = 4
MAX_INTEGER_DIGITS = 12
SALE_ID = Shape(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}", "1-64 letters, digits or . _ : -")
REGION = Shape(r"[A-Za-z][A-Za-z0-9 _-]{0,31}", "1-32 letters, digits, spaces, _ or -, starting with a letter")
# date.fromisoformat alone also takes 20240105 and 2024-W01-1 (Python 3.11+): the docs promise YYYY-MM-DD
DAY = Shape(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "an ISO date (YYYY-MM-DD)")
# A CSV field larger than this is damage, not data; the csv module's own limit is 128 KB.
MAX_FIELD = 4096
SAVE_AS = "save the file as UTF-8 (or UTF-16 with a byte-order mark)"


class BadHeader(UnprocessableContent):
    code = "bad_header"


class Sale(NamedTuple):  # a tuple: one is made per row, and a frozen dataclass costs five setattr calls
    sale_id: str
    day: str
    amount: Decimal
    region: str
    product: str


_new_sale = Sale._make  # tuple.__new__ itself: the generated __new__ is a Python function


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str


def _sale(raw_id: str, raw_day: str, raw_amount: str, raw_region: str, raw_product: str) -> Sale | str:
    """The row as a Sale, or why it is not one."""
    sale_id = raw_id.strip()
    if not SALE_ID.holds(sale_id):
        return f"id must be {SALE_ID.description}"
    raw_day = raw_day.strip()
    try:
        if not DAY.holds(raw_day):
            raise ValueError
        day = date.fromisoformat(raw_day).isoformat()
    except ValueError:
        return f"date {raw_day[:40]!r} is not {DAY.description}"
    raw_amount = raw_amount.strip()
    try:
        amount = parse_amount(raw_amount, decimals=MAX_DECIMALS, integer_digits=MAX_INTEGER_DIGITS, allow_zero=True,
                              allow_negative=True)  # fmt: skip
    except AmountError as exc:
        return f"amount {raw_amount[:40]!r} {exc}"
    region = raw_region.strip()
    if not REGION.holds(region):
        return f"region must be {REGION.description}"
    product = raw_product.strip()
    if not 1 <= len(product) <= 200:
        return "product must be 1-200 characters"
    return _new_sale((sale_id, day, amount, region.upper(), product))


def _rejected_lines(lines: Iterable[str], bad: dict[int, str]) -> Iterator[str]:
    for number, line in enumerate(lines, start=1):
        reason = invalid_bytes(line)
        if reason is not None:
            bad[number] = reason
        yield line


def _encoding_problem(bad: dict[int, str], upto: int) -> str | None:
    """The first invalid-bytes reason among lines up to `upto`, forgetting them."""
    found = [number for number in bad if number <= upto]
    reasons = [bad.pop(number) for number in sorted(found)]
    return reasons[0] if reasons else None


def parse_sales(lines: Iterable[str], invalid: dict[int, str] | None = None) -> Iterator[Sale | Rejection]:
    """Validated sales and rejections, in file order, streamed: nothing is held but the current row.

    `invalid` is filled, as lines are read, with the numbers of lines carrying invalid bytes (as
    `DecodedText` does); without it each line is checked here.
    """
    if invalid is None:
        bad: dict[int, str] = {}
        lines = _rejected_lines(lines, bad)
    else:
        bad = invalid
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise BadHeader("the file is empty: expected a header row with " + ", ".join(COLUMNS)) from None
    except csv.Error as exc:
        raise BadHeader(f"the header row is not valid CSV: {exc}") from None
    problem = _encoding_problem(bad, reader.line_num)
    if problem is not None:
        raise BadEncoding(f"the header row: {problem}; {SAVE_AS}")
    if any("\x00" in h for h in header):
        raise BadEncoding(f"the header row holds NUL characters: UTF-16 without a byte-order mark? {SAVE_AS}")
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise BadHeader(f"the header lacks column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}")
    i_id, i_day, i_amount, i_region, i_product = at = [names.index(c) for c in COLUMNS]
    width = max(at) + 1
    while True:
        try:
            for row in reader:  # a for loop: next() in a try per row costs a quarter of the parse
                if bad and (problem := _encoding_problem(bad, reader.line_num)) is not None:
                    yield Rejection(reader.line_num, f"{problem}; {SAVE_AS}")
                elif (len(row) < width or not row[i_id].strip()) and not any(cell.strip() for cell in row):
                    continue  # a blank line, or a row of empty cells (a spreadsheet's trailing rows)
                elif len(row) < width:
                    yield Rejection(reader.line_num, f"has {len(row)} fields, needs at least {width}")
                elif max(map(len, row)) > MAX_FIELD:
                    yield Rejection(reader.line_num, f"a field is longer than {MAX_FIELD} characters")
                else:
                    sale = _sale(row[i_id], row[i_day], row[i_amount], row[i_region], row[i_product])
                    yield Rejection(reader.line_num, sale) if type(sale) is str else sale
            return
        except csv.Error as exc:
            _encoding_problem(bad, reader.line_num)
            yield Rejection(reader.line_num, f"not valid CSV: {exc}")
