"""Sales rows: CSV parsing, validation and transformation. No AWS here.

Input columns (any order, case-insensitive header, extra columns ignored): id, date, amount,
region, product. A row is either a Sale ready to store or a Rejection naming its line and reason.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from lambdas.common.exceptions import UnprocessableContent
from lambdas.services.etl.text import BadEncoding, invalid_bytes

COLUMNS = ("id", "date", "amount", "region", "product")
MAX_DECIMALS = 4
MAX_AMOUNT = Decimal("1e12")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_REGION = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]{0,31}$")
_AMOUNT = re.compile(r"^-?\d+(\.\d+)?$")
# A CSV field larger than this is damage, not data; the csv module's own limit is 128 KB.
MAX_FIELD = 4096
SAVE_AS = "save the file as UTF-8 (or UTF-16 with a byte-order mark)"


class BadHeader(UnprocessableContent):
    code = "bad_header"


@dataclass(frozen=True)
class Sale:
    sale_id: str
    day: str
    amount: Decimal
    region: str
    product: str


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str


def _sale(values: dict[str, str]) -> Sale:
    sale_id = values["id"].strip()
    if not _ID.match(sale_id):
        raise ValueError("id must be 1-64 letters, digits or . _ : -")
    try:
        day = date.fromisoformat(values["date"].strip()).isoformat()
    except ValueError:
        raise ValueError(f"date {values['date'].strip()[:40]!r} is not an ISO date (YYYY-MM-DD)") from None
    raw_amount = values["amount"].strip()
    if not _AMOUNT.match(raw_amount):
        raise ValueError(f"amount {raw_amount[:40]!r} is not a plain decimal like 1299.99")
    try:
        amount = Decimal(raw_amount)
    except InvalidOperation:
        raise ValueError(f"amount {raw_amount[:40]!r} is not a number") from None
    if -amount.as_tuple().exponent > MAX_DECIMALS or abs(amount) >= MAX_AMOUNT:
        raise ValueError(f"amount {raw_amount[:40]!r} has more than {MAX_DECIMALS} decimals or is too large")
    region = values["region"].strip()
    if not _REGION.match(region):
        raise ValueError("region must be 1-32 letters, digits, spaces, _ or -, starting with a letter")
    product = values["product"].strip()
    if not 1 <= len(product) <= 200:
        raise ValueError("product must be 1-200 characters")
    return Sale(sale_id, day, amount, region.upper(), product)


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


def parse_sales(lines: Iterable[str]) -> Iterator[Sale | Rejection]:
    """Validated sales and rejections, in file order, streamed: nothing is held but the current row."""
    bad: dict[int, str] = {}
    reader = csv.reader(_rejected_lines(lines, bad), strict=True)
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
    positions = {c: names.index(c) for c in COLUMNS}
    width = max(positions.values()) + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            _encoding_problem(bad, reader.line_num)
            yield Rejection(reader.line_num, f"not valid CSV: {exc}")
            continue
        if bad and (problem := _encoding_problem(bad, reader.line_num)) is not None:
            yield Rejection(reader.line_num, f"{problem}; {SAVE_AS}")
            continue
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) < width:
            yield Rejection(reader.line_num, f"has {len(row)} fields, needs at least {width}")
            continue
        if any(len(cell) > MAX_FIELD for cell in row):
            yield Rejection(reader.line_num, f"a field is longer than {MAX_FIELD} characters")
            continue
        try:
            yield _sale({c: row[i] for c, i in positions.items()})
        except ValueError as exc:
            yield Rejection(reader.line_num, str(exc))
