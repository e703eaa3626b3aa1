"""Property-based: every parser of outside input returns a value or raises a named rejection.

A `RejectedInput` (or another `PlatformError` the handlers map) is the only exception allowed;
a KeyError, TypeError or RecursionError escaping a parser would be a traceback in some handler.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdas.common.events import parse_kinesis_event, parse_s3_event
from lambdas.common.exceptions import PlatformError
from lambdas.common.http import parse_request
from lambdas.services.checkout.model import validate_order
from lambdas.services.etl.rows import Rejection, Sale, parse_sales
from lambdas.services.order_stream.model import parse_order
from lambdas.services.scraper.prices import parse_price
from lambdas.services.scraper.service import parse_products
from lambdas.services.slack.commands import parse_command
from lambdas.services.users.model import validate
from lambdas.services.worker.jobs import parse_job

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=25,
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def named_or_value(parse: Callable[[Any], Any], value: Any) -> Any:
    try:
        return parse(value)
    except PlatformError:
        return None


PARSERS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "S3 event": (parse_s3_event, JSON),
    "Kinesis event": (parse_kinesis_event, JSON),
    "API Gateway request": (parse_request, JSON),
    "checkout order": (validate_order, JSON),
    "user body": (lambda body: validate(body, partial=False), JSON),
    "user patch": (lambda body: validate(body, partial=True), JSON),
    "product list": (parse_products, JSON),
    "SQS job body": (parse_job, st.text(max_size=200)),
    "order record": (parse_order, st.text(max_size=200)),
    "price text": (parse_price, st.text(max_size=80)),
    "slash command body": (parse_command, st.binary(max_size=300)),
}


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_parsers_return_or_reject_by_name(name: str) -> None:
    parse, strategy = PARSERS[name]

    @FUZZ
    @given(value=strategy)
    def run(value: Any) -> None:
        named_or_value(parse, value)

    run()


@FUZZ
@given(payload=JSON)
def test_kinesis_orders_from_any_json(payload: Any) -> None:
    order = named_or_value(parse_order, base64.b64encode(json.dumps(payload).encode()).decode())
    assert order is None or (order.amount > 0 and order.amount.is_finite())


@FUZZ
@given(text=st.text(max_size=80))
def test_a_parsed_price_is_positive_and_finite(text: str) -> None:
    money = named_or_value(parse_price, text)
    assert money is None or (Decimal(0) < money.amount and money.amount.is_finite())


AMOUNTS = st.decimals(allow_nan=True, allow_infinity=True).map(str) | st.sampled_from(["1e999", "-0", "1,5", " 2 "])
ROW = st.tuples(
    st.from_regex(r"[a-z]-[0-9]{1,4}", fullmatch=True) | st.text(max_size=8),
    st.dates().map(str) | st.text(max_size=10),
    AMOUNTS | st.text(max_size=6),
    st.sampled_from(["eu", "us"]) | st.text(max_size=4),
    st.text(max_size=12),
).map(list) | st.lists(st.text(max_size=15), max_size=7)


@FUZZ
@given(rows=st.lists(ROW, max_size=8))
def test_csv_rows_become_sales_or_rejections(rows: list[list[str]]) -> None:
    lines = ["id,date,amount,region,product"] + [",".join(row) for row in rows]
    results = named_or_value(lambda ls: list(parse_sales(iter(ls))), lines) or []
    assert all(isinstance(r, Sale | Rejection) for r in results)
    assert all(r.amount.is_finite() for r in results if isinstance(r, Sale))
