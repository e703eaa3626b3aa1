"""Amounts of money and plain numbers: one grammar, exact arithmetic, bounds, one way to write them.

Every amount that enters the platform (an order's unit price, a stream record's amount, a CSV cell,
a price read from a shop's machine-readable markup, a threshold in the environment) is read by
`parse_amount`: ASCII digits only (Python's `\\d`, `int()` and `Decimal()` also take Arabic-Indic or
fullwidth digits), an optional point and decimals, no exponent, no sign unless asked for, no
whitespace, and within the caller's bounds. Arithmetic on amounts runs under `EXACT`, a decimal
context that raises instead of rounding, so a total is right or refused, never silently rounded
(Python's default context keeps 28 digits and rounds the 29th). `to_text` writes an amount in
fixed-point notation with the caller's number of decimals, never `1E+2`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow
from typing import Any

# Wide enough for any total the bounds below allow; every trap on, so nothing is ever rounded.
EXACT = Context(prec=40, traps=[InvalidOperation, Inexact, Overflow])

# Money everywhere unless a caller says otherwise: below a billion, at most two decimals.
MAX_INTEGER_DIGITS = 9
MONEY_DECIMALS = 2

_NUMBER = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?", re.ASCII)


class AmountError(ValueError):
    """Why a value is not an acceptable amount; each service turns it into its own rejection."""


def parse_amount(
    value: Any,
    *,
    decimals: int = MONEY_DECIMALS,
    integer_digits: int = MAX_INTEGER_DIGITS,
    allow_zero: bool = False,
    allow_negative: bool = False,
    allow_float: bool = False,
) -> Decimal:
    """`value` (a decimal string, an int, or with `allow_float` a JSON float) as an exact Decimal.

    A float is accepted only when its shortest repr fits the grammar: within these bounds that repr
    is exactly the number its producer wrote (floats keep 15 significant digits).
    """
    if isinstance(value, bool):
        raise AmountError("is not a number (true or false)")
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float) and allow_float:
        text = repr(value)
    elif isinstance(value, str):
        text = value
    else:
        raise AmountError("is not a decimal string or an integer")
    if len(text) > integer_digits + decimals + 3:
        raise AmountError(f"is too large (at most {integer_digits} digits before the point)")
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise AmountError("is not a plain decimal like 1299.99")
    sign, integer, fraction = match.groups()
    if fraction is not None and len(fraction) > decimals:
        raise AmountError(f"has more than {decimals} decimals")
    if len(integer.lstrip("0")) > integer_digits:
        raise AmountError(f"is too large (at most {integer_digits} digits before the point)")
    amount = Decimal(text)
    if sign and not allow_negative:
        raise AmountError("is negative")
    if amount == 0 and not allow_zero:
        raise AmountError("is not greater than 0")
    return amount


def total(lines: Iterable[tuple[Decimal, int]]) -> Decimal:
    """The sum of price x quantity over `lines`, exact (ArithmeticError rather than a rounded total)."""
    result = Decimal(0)
    for price, quantity in lines:
        result = EXACT.add(result, EXACT.multiply(price, Decimal(quantity)))
    return result


def to_text(amount: Decimal, decimals: int = MONEY_DECIMALS) -> str:
    """`amount` with exactly `decimals` decimals in fixed-point notation ("1E+2" -> "100.00")."""
    return f"{EXACT.quantize(amount, Decimal(1).scaleb(-decimals)):f}"
