"""Prices as shops write them ("$1,299.99", "1.299,99 EUR", "CHF 1'299.95") read into exact decimals.

The decimal separator is decided per string: with both "." and "," present the last one is the
decimal separator; with one of them appearing once and followed by exactly three digits it groups
thousands ("1,299"), otherwise it is the decimal separator ("12,50"). Group sizes are checked, so
"1,2,3" is refused rather than guessed. No AWS here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lambdas.common.exceptions import UnprocessableContent

SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "R$": "BRL", "kr": "SEK"}
_ISO = re.compile(r"\b([A-Z]{3})\b")
_NUMBER = re.compile(r"\d[\d.,'\u00a0\u202f ]*\d|\d")
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})


class PriceNotFound(UnprocessableContent):
    code = "price_not_found"


class InvalidPrice(UnprocessableContent):
    code = "invalid_price"


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str | None


def _currency(text: str) -> str | None:
    for symbol in sorted(SYMBOLS, key=len, reverse=True):
        if symbol in text:
            return SYMBOLS[symbol]
    match = _ISO.search(text)
    return match.group(1) if match else None


def _grouped(integer: str, separator: str) -> str:
    groups = integer.split(separator)
    if not groups[0] or len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:]):
        raise InvalidPrice(f"digit groups in {integer!r} are not thousands")
    return "".join(groups)


def _number(raw: str) -> Decimal:
    text = raw.replace(" ", "").replace("'", "")
    has_dot, has_comma = "." in text, "," in text
    if has_dot and has_comma:
        decimal_sep = "." if text.rfind(".") > text.rfind(",") else ","
        group_sep = "," if decimal_sep == "." else "."
        integer, _, fraction = text.rpartition(decimal_sep)
        integer = _grouped(integer, group_sep)
    elif has_dot or has_comma:
        sep = "." if has_dot else ","
        parts = text.split(sep)
        if len(parts) == 2 and len(parts[1]) != 3:
            integer, fraction = parts
        else:
            integer, fraction = _grouped(text, sep), ""
    else:
        integer, fraction = text, ""
    if not integer.isdigit() or (fraction and not fraction.isdigit()):
        raise InvalidPrice(f"{raw!r} is not a price")
    try:
        return Decimal(f"{integer}.{fraction}" if fraction else integer)
    except InvalidOperation:
        raise InvalidPrice(f"{raw!r} is not a price") from None


def parse_price(text: str | None, currency: str | None = None) -> Money:
    if text is None or not text.strip():
        raise PriceNotFound("the price element is empty")
    cleaned = text.translate(_SPACES).strip()
    if len(cleaned) > 64:
        raise InvalidPrice("the price text is too long to be a price")
    match = _NUMBER.search(cleaned)
    if not match:
        raise PriceNotFound(f"no number in {cleaned!r}")
    before, after = cleaned[: match.start()], cleaned[match.end() :]
    # "-$5" is not $5, "$1e999" is not $1, "1 - 2" is not 1: a number with more around it is refused.
    if "-" in before or "\u2212" in before or _NUMBER.search(after) or after[:1].lower() == "e":
        raise InvalidPrice(f"{cleaned!r} is not a single positive price")
    amount = _number(match.group(0).strip())
    if amount <= 0:
        raise InvalidPrice(f"{cleaned!r} is not a positive price")
    return Money(amount, currency or _currency(cleaned))
