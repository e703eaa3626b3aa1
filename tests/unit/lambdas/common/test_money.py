"""Money and numbers: one grammar at every site an amount enters, exact totals, fixed-point answers.

Inputs from outside the project: every decimal digit the Unicode Character Database knows (Python's
unicodedata: Arabic-Indic, Devanagari, fullwidth ... all of which int() and Decimal() accept), and
hypothesis' decimals in every notation Decimal prints (exponents, NaN, signed zeros).
"""

from __future__ import annotations

import base64
import json
import sys
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lambdas.common import money
from lambdas.common import settings as read
from lambdas.common.exceptions import ConfigurationError, RejectedInput, ValidationFailed
from lambdas.services.checkout.model import MAX_ITEMS, MAX_QUANTITY, validate_order
from lambdas.services.etl.rows import Rejection, parse_sales
from lambdas.services.order_stream.model import parse_order
from lambdas.services.scraper.prices import InvalidPrice, PriceNotFound, parse_machine_price, parse_price
from lambdas.services.worker.jobs import parse_job
from lambdas.services.workflow.steps import checked_total

# Every decimal digit Unicode has outside ASCII (about 700), one per script's 0-9 run kept whole.
UNICODE_DIGITS = [chr(c) for c in range(sys.maxunicode + 1)
                  if unicodedata.category(chr(c)) == "Nd" and not chr(c).isascii()]  # fmt: skip
SCRIPT_NUMBERS = [
    UNICODE_DIGITS[i + 1] + UNICODE_DIGITS[i + 2] + UNICODE_DIGITS[i] for i in range(0, len(UNICODE_DIGITS), 10)
]


def _order(price: Any, quantity: int = 1) -> dict[str, Any]:
    return validate_order({"customerId": "c-1", "items": [{"sku": "k", "quantity": quantity, "unitPrice": price}]})


def _stream(amount: Any) -> Decimal:
    body = {"orderId": "A1", "customerId": "c-1", "amount": amount}
    return parse_order(base64.b64encode(json.dumps(body).encode()).decode()).amount


def _etl(amount: str) -> Decimal:
    (row,) = parse_sales(["id,date,amount,region,product\n", f"s-1,2026-11-27,{amount},eu,K\n"])
    if isinstance(row, Rejection):
        raise RejectedInput(row.reason)
    return row.amount


def _etl_date(day: str) -> str:
    (row,) = parse_sales(["id,date,amount,region,product\n", f"s-1,{day},1,eu,K\n"])
    if isinstance(row, Rejection):
        raise RejectedInput(row.reason)
    return row.day


def _job_total(total: Any) -> Any:
    return parse_job(json.dumps({"jobId": "j", "customerId": "c", "items": [{}], "total": total})).order["total"]


def _workflow(total: str) -> Decimal:
    return checked_total({"customerId": "c", "total": total, "items": [{"unitPrice": total, "quantity": 1}]})


def _setting(value: str) -> Decimal:
    return read.decimal({"X": value}, "X", "1")


def _integer_setting(value: str) -> int:
    return read.integer({"X": value}, "X", 1, minimum=0, maximum=10**9)


# Every place a number enters, and what it raises when the number is not one.
SITES: dict[str, tuple[Callable[[str], Any], type[Exception] | tuple[type[Exception], ...]]] = {
    "parse_amount": (money.parse_amount, money.AmountError),
    "checkout unitPrice": (_order, ValidationFailed),
    "order stream amount": (_stream, RejectedInput),
    "worker job total": (_job_total, RejectedInput),
    "workflow total": (_workflow, RejectedInput),
    "ETL amount": (_etl, RejectedInput),
    "ETL date": (_etl_date, RejectedInput),
    "scraper shop text": (parse_price, (InvalidPrice, PriceNotFound)),
    "scraper machine price": (parse_machine_price, InvalidPrice),
    "a decimal setting": (_setting, ConfigurationError),
    "an integer setting": (_integer_setting, ConfigurationError),
}


@pytest.mark.documents("services.md", "Numbers and money")
@pytest.mark.parametrize("site", sorted(SITES))
def test_every_site_refuses_every_non_ascii_digit(site: str) -> None:
    parse, error = SITES[site]
    assert len(UNICODE_DIGITS) > 600  # the whole database, not a sample
    for digit in UNICODE_DIGITS:
        value = f"2026-11-2{digit}" if site == "ETL date" else f"1{digit}"
        with pytest.raises(error):
            parse(value)


@pytest.mark.parametrize("site", sorted(s for s in SITES if s != "ETL date"))
def test_every_site_refuses_whole_numbers_in_other_scripts(site: str) -> None:
    parse, error = SITES[site]
    for number in SCRIPT_NUMBERS:
        with pytest.raises(error):
            parse(number)


@pytest.mark.parametrize(
    "value",
    ["1e200", "1E2", "9e999999", "1e-2", "NaN", "sNaN", "Infinity", "-Infinity", "inf", "+5", " 5", "5 ", "5.",
     ".5", "0x10", "1_000", "1,000", "5\n", "١٢", "１２"],
)  # fmt: skip
@pytest.mark.documents("services.md", "Numbers and money")
def test_only_plain_ascii_decimals_are_amounts(value: str) -> None:
    with pytest.raises(money.AmountError):
        money.parse_amount(value)


@pytest.mark.parametrize(
    ("value", "options", "accepted"),
    [
        ("0", {}, False),  # "greater than 0" means 0 is refused, at the edge
        ("0.00", {}, False),
        ("0.01", {}, True),
        ("0", {"allow_zero": True}, True),
        ("999999999.99", {}, True),  # the largest amount: nine digits before the point
        ("1000000000", {}, False),
        ("1000000000.00", {}, False),
        ("0001.50", {}, True),  # leading zeros are digits, not size
        ("1.5", {"decimals": 1}, True),
        ("1.55", {"decimals": 1}, False),
        ("5", {"decimals": 0}, True),
        ("5.0", {"decimals": 0}, False),
        ("-1", {}, False),
        ("-1", {"allow_negative": True}, True),
        ("-0", {"allow_negative": True, "allow_zero": True}, True),
    ],
)
@pytest.mark.documents("services.md", "Numbers and money")
def test_bounds_hold_at_their_edges(value: str, options: dict[str, Any], accepted: bool) -> None:
    if accepted:
        assert money.parse_amount(value, **options) == Decimal(value)
    else:
        with pytest.raises(money.AmountError):
            money.parse_amount(value, **options)


@settings(max_examples=400, deadline=None)
@given(st.decimals(allow_nan=True, allow_infinity=True))
@example(Decimal("0.00025599974399974400160922856822520298539"))  # 41 decimals: refused for its size
@example(Decimal("0." + "1" * 40))
def test_a_decimal_in_any_notation_is_taken_exactly_or_refused(number: Decimal) -> None:
    text = str(number)
    try:
        amount = money.parse_amount(text, decimals=40, integer_digits=40, allow_zero=True, allow_negative=True)
    except money.AmountError:
        whole, _, fraction = text.lstrip("-").partition(".")
        in_notation = (whole + fraction).isdigit()
        # refused only for its notation (E, NaN, Inf) or for more digits than allowed on either side
        assert not in_notation or len(whole.lstrip("0")) > 40 or len(fraction) > 40
        return
    assert amount == number and "E" not in text


def test_floats_are_taken_only_where_asked_and_only_when_exact() -> None:
    assert money.parse_amount(1500.5, allow_float=True) == Decimal("1500.5")
    assert _stream(1500.25) == Decimal("1500.25")
    for value in (1e200, 1e-05, float("nan"), float("inf"), 0.1 + 0.2):  # 0.30000000000000004: 17 decimals
        with pytest.raises(money.AmountError):
            money.parse_amount(value, allow_float=True)
    with pytest.raises(money.AmountError):
        money.parse_amount(1.5)


def test_the_outside_testers_orders_are_400s_not_500s_or_wrong_totals() -> None:
    for price in ("9e999999", "1e200", "99999999999999999999999999999", 10**40):
        with pytest.raises(ValidationFailed):
            _order(price)


def test_the_largest_order_has_its_exact_total_in_fixed_point() -> None:
    # GIVEN the largest order the bounds allow: 50 lines of 1000 at 999,999,999.99
    body = {"customerId": "c", "items": [{"sku": f"s{n}", "quantity": MAX_QUANTITY, "unitPrice": "999999999.99"}
                                          for n in range(MAX_ITEMS)]}  # fmt: skip
    # WHEN it is validated THEN its total is exact to the cent (integer arithmetic in cents agrees)
    cents = MAX_ITEMS * MAX_QUANTITY * 99999999999
    assert validate_order(body)["total"] == f"{cents // 100}.{cents % 100:02d}"


@pytest.mark.documents("services.md", "Numbers and money")
def test_answers_are_fixed_point_with_two_decimals() -> None:
    job = _order("10", quantity=3)
    assert (job["items"][0]["unitPrice"], job["total"]) == ("10.00", "30.00")
    assert money.to_text(Decimal("1E+2")) == "100.00"
    assert _order("0.1", quantity=3)["total"] == "0.30"


@pytest.mark.documents("services.md", "Numbers and money")
def test_totals_raise_rather_than_round() -> None:
    with pytest.raises(ArithmeticError):
        money.total([(Decimal("9" * 39), 999)])  # 42 significant digits: more than the context keeps
    assert money.total([(Decimal("0.01"), 3), (Decimal("19.99"), 2)]) == Decimal("40.01")
