"""Prices as shops write them ("$1,299.99", "1.299,99 EUR", "CHF 1'299.95") read into exact decimals.

Shop text: the decimal separator is decided per string: with both "." and "," present the last one
is the decimal separator; with one of them appearing once and followed by exactly three digits it
groups thousands ("1,299"), otherwise it is the decimal separator ("12,50"). Group sizes are checked,
so "1,2,3" is refused rather than guessed.

Machine-readable values (schema.org's `content`, `data-price`) are not shop text: schema.org writes
a price with "." as its decimal point and no grouping, so `content="1.799"` is 1.799, not 1799.
They go through the platform's one number grammar (lambdas.common.money), and a value that is not
in it is refused rather than guessed.

The currency: a symbol that names one currency (€, £, ₹, CA$, R$...) first, then an ISO 4217 code
in the text, then the bare symbols that several currencies share ($, ¥, kr) as their most common
one. A dollar sign with letters before it that name no dollar (XY$) is refused: recording it as USD
would compare it with US prices. The page's own declared currency, when it has one, beats all of
these (extract.py). No AWS here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from lambdas.common.exceptions import UnprocessableContent
from lambdas.common.money import AmountError, parse_amount

MAX_DECIMALS = 4
MAX_INTEGER_DIGITS = 12
# Symbols that name one currency.
SYMBOLS = {"€": "EUR", "₹": "INR", "₩": "KRW", "₺": "TRY", "₽": "RUB", "₪": "ILS", "₫": "VND", "₱": "PHP", "₴": "UAH",
           "₦": "NGN", "₸": "KZT", "₾": "GEL", "₼": "AZN", "RMB": "CNY", "元": "CNY"}  # fmt: skip
# Signs several currencies share, with the letters that say which one: before the sign as English
# writes them (CA$, EG£, Nkr) or after it as French does ($CA, $ AU, £GI). Unmarked, a sign is its
# most common currency; a mark that names none of them is refused rather than guessed.
_DOLLAR_MARKS = {"US": "USD", "U": "USD", "CA": "CAD", "C": "CAD", "A": "AUD", "AU": "AUD", "NZ": "NZD", "HK": "HKD",
                 "S": "SGD", "SG": "SGD", "NT": "TWD", "TW": "TWD", "MX": "MXN", "R": "BRL", "BR": "BRL", "RD": "DOP",
                 "DO": "DOP", "J": "JMD", "JM": "JMD", "TT": "TTD", "N": "NAD", "NA": "NAD", "EC": "XCD", "BDS": "BBD",
                 "BB": "BBD", "BZ": "BZD", "FJ": "FJD", "SI": "SBD", "SB": "SBD", "B": "BND", "BN": "BND", "BM": "BMD",
                 "L": "LRD", "LR": "LRD", "G": "GYD", "GY": "GYD", "SR": "SRD", "WS": "WST", "AR": "ARS", "CL": "CLP",
                 "CO": "COP", "UY": "UYU", "CU": "CUP", "BS": "BSD", "KY": "KYD", "ZW": "ZWG"}  # fmt: skip
_POUND_MARKS = {"UK": "GBP", "GB": "GBP", "EG": "EGP", "FK": "FKP", "GI": "GIP", "LB": "LBP", "SH": "SHP",
                "SS": "SSP", "SY": "SYP", "SD": "SDG"}  # fmt: skip
_YEN_MARKS = {"JP": "JPY", "CN": "CNY"}
_KRONA_MARKS = {"S": "SEK", "SE": "SEK", "N": "NOK", "NO": "NOK", "D": "DKK", "DK": "DKK", "I": "ISK", "IS": "ISK"}
SHARED = {"$": ("USD", _DOLLAR_MARKS), "£": ("GBP", _POUND_MARKS), "¥": ("JPY", _YEN_MARKS),
          "￥": ("JPY", _YEN_MARKS), "kr": ("SEK", _KRONA_MARKS)}  # fmt: skip
_SIGNS = {
    sign: re.compile(
        rf"(?<![A-Za-z])(?P<pre>[A-Za-z]{{1,3}})?{re.escape(sign)}(?![a-z])"
        r"(?:[ \u00a0\u202f]?(?P<post>[A-Z]{2})(?![A-Za-z]))?"
    )
    for sign in SHARED
}
# Active ISO 4217 codes: three capitals that are not one of these ("NOW", "NEW") are not a currency.
_ISO_CODES = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD "
    "CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF "
    "GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP "
    "LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB "
    "PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL "
    "THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWG"
)
ISO_4217 = frozenset(_ISO_CODES.split())
_ISO = re.compile(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])", re.ASCII)
_NUMBER = re.compile(r"[0-9][0-9.,'’ ]*[0-9]|[0-9]")  # after _SPACES: every space is " "
_GAPS = " '’"  # thousands separators that are never a decimal point
_AROUND_POINT = re.compile(r"[ '’]*([.,])[ '’]*")
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " "})


class PriceNotFound(UnprocessableContent):
    code = "price_not_found"


class InvalidPrice(UnprocessableContent):
    code = "invalid_price"


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str | None


def _marked(text: str) -> tuple[str | None, str | None]:
    """(currency a marked shared sign names, currency a bare shared sign stands for)."""
    bare = None
    for sign, (default, marks) in SHARED.items():
        for found in _SIGNS[sign].finditer(text):
            mark = (found.group("pre") or found.group("post") or "").upper()
            if not mark:
                bare = bare or default
            elif mark in marks:
                return marks[mark], bare
            elif mark in ISO_4217:  # "NZD$", "$ CAD"
                return mark, bare
            else:
                raise InvalidPrice(f"{found.group(0).strip()!r} in {text!r} names no currency this scraper knows")
    return None, bare


def _currency(text: str) -> str | None:
    for symbol in sorted(SYMBOLS, key=len, reverse=True):
        if symbol in text:
            return SYMBOLS[symbol]
    marked, bare = _marked(text)
    if marked:
        return marked
    codes = [code for code in _ISO.findall(text) if code in ISO_4217]
    return codes[0] if codes else bare


def _grouped(integer: str, separator: str) -> str:
    groups = integer.split(separator)
    if not groups[0] or len(groups[0]) > 3 or any(len(g) != 3 for g in groups[1:]):
        raise InvalidPrice(f"digit groups in {integer!r} are not thousands")
    return "".join(groups)


def _number(raw: str) -> Decimal:
    raw = _AROUND_POINT.sub(r"\1", raw)  # "1,299 .99" (a <sup>.99</sup> read as text): the space is not a group
    gaps = {c for c in raw if c in _GAPS}
    points = [c for c in ".," if c in raw]
    if len(gaps) > 1:
        raise InvalidPrice(f"{raw!r} groups its digits in two ways")
    if gaps:
        # grouped by spaces or apostrophes (1 299,99; 1'299.95): "." or "," is the decimal point, once
        if len(points) > 1 or (points and raw.count(points[0]) > 1):
            raise InvalidPrice(f"{raw!r} has more than one decimal point")
        integer, _, fraction = raw.partition(points[0]) if points else (raw, "", "")
        integer = _grouped(integer, gaps.pop())
    elif len(points) == 2:
        decimal_sep = "." if raw.rfind(".") > raw.rfind(",") else ","
        group_sep = "," if decimal_sep == "." else "."
        integer, _, fraction = raw.rpartition(decimal_sep)
        integer = _grouped(integer, group_sep)
    elif points:
        parts = raw.split(points[0])
        if len(parts) == 2 and len(parts[1]) != 3:
            integer, fraction = parts
        else:
            integer, fraction = _grouped(raw, points[0]), ""
    else:
        integer, fraction = raw, ""
    try:
        return parse_amount(f"{integer}.{fraction}" if fraction else integer, decimals=MAX_DECIMALS,
                            integer_digits=MAX_INTEGER_DIGITS, allow_zero=True)  # fmt: skip
    except AmountError as exc:
        raise InvalidPrice(f"{raw!r} {exc}") from None


def parse_price(text: str | None, currency: str | None = None) -> Money:
    if text is None or not text.strip():
        raise PriceNotFound("the price element is empty")
    cleaned = text.translate(_SPACES).strip()
    if len(cleaned) > 64:
        raise InvalidPrice("the price text is too long to be a price")
    if any(c.isdecimal() and not c.isascii() for c in cleaned):
        raise InvalidPrice(f"{cleaned!r} has digits outside ASCII: not read rather than misread")
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


def parse_machine_price(value: str, currency: str | None = None) -> Money:
    """A machine-readable price (schema.org `content`, `data-price`): "." is its decimal point, always."""
    try:
        amount = parse_amount(value.strip(), decimals=MAX_DECIMALS, integer_digits=MAX_INTEGER_DIGITS)
    except AmountError as exc:
        raise InvalidPrice(f"the machine-readable price {value[:40]!r} {exc}") from None
    return Money(amount, currency)
