"""Identifiers are checked over the whole string, in ASCII, at every site that takes one.

Two halves: every regular expression in the deployed code is held to the rule (no pattern ends in a
bare `$`, which lets one trailing newline through `match`; none reads `\\d`, `\\w` or `\\s` or ignores
case without re.ASCII); and every site that takes an identifier, currency, SKU or address refuses
each of Unicode's line terminators (the list str.splitlines documents) before, after or inside it.
"""

from __future__ import annotations

import ast
import base64
import importlib
import json
import pkgutil
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import lambdas
from lambdas.common.exceptions import RejectedInput
from lambdas.common.identifiers import Shape
from lambdas.services.checkout.model import validate_order
from lambdas.services.etl.rows import Rejection, parse_sales
from lambdas.services.order_stream.model import parse_order
from lambdas.services.scraper.service import parse_products
from lambdas.services.users.model import validate
from lambdas.services.worker.jobs import parse_job
from lambdas.services.workflow.steps import checked_total, order_of

SOURCE = Path(lambdas.__file__).parent
# What str.splitlines splits on: each one a place where "A1" and "A1<it>" were one id before.
LINE_TERMINATORS = ["\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def _code_points(text: str) -> str:
    # Named, not repr'd: pytest cannot select a repr id (its backslash) in a second in-process run,
    # which is how mutmut runs the tests of each mutant.
    return "+".join(f"U+{ord(char):04X}" for char in text)


_UNICODE_CLASSES = re.compile(r"(?<!\\)\\[dwsbDWSB]")


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages([str(SOURCE)], prefix="lambdas."))


def _patterns() -> list[tuple[str, str, re.Pattern[Any]]]:
    found = []
    for name in _modules():
        module = importlib.import_module(name)
        for attribute, value in vars(module).items():
            if isinstance(value, Shape):
                value = value.pattern
            if isinstance(value, re.Pattern):
                found.append((name, attribute, value))
            elif isinstance(value, dict):
                found += [(name, f"{attribute}[{k!r}]", v) for k, v in value.items() if isinstance(v, re.Pattern)]
    return found


def test_the_scan_sees_the_patterns_it_is_about() -> None:
    seen = {f"{module}.{attribute}" for module, attribute, _ in _patterns()}
    assert {"lambdas.common.identifiers.ID", "lambdas.services.users.model.EMAIL",
            "lambdas.services.authorizer.tokens._SEGMENT"} <= seen  # fmt: skip


@pytest.mark.documents("services.md", "Identifiers")
@pytest.mark.parametrize(("module", "attribute", "pattern"), _patterns(), ids=lambda v: str(v)[:40])
def test_no_pattern_lets_a_trailing_newline_or_non_ascii_through(module: str, attribute: str, pattern: Any) -> None:
    text = pattern.pattern if isinstance(pattern.pattern, str) else pattern.pattern.decode("latin-1")
    assert not (text.endswith("$") and not text.endswith("\\$")), f"{module}.{attribute}: use fullmatch, not $"
    if isinstance(pattern.pattern, str) and (_UNICODE_CLASSES.search(text) or pattern.flags & re.IGNORECASE):
        assert pattern.flags & re.ASCII, f"{module}.{attribute}: \\d, \\w, \\s or IGNORECASE need re.ASCII"


def test_no_call_site_anchors_with_a_dollar() -> None:
    # re.match("...$", value) written inline escapes the module scan above: read every call instead.
    offenders = []
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("match", "search", "compile", "fullmatch")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and node.args[0].value.endswith("$")
            ):
                offenders.append(f"{path.relative_to(SOURCE)}:{node.lineno}")
    assert not offenders


def _kinesis(body: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(body).encode()).decode()


ORDER = {"customerId": "c-1", "currency": "USD", "items": [{"sku": "kettle", "quantity": 1, "unitPrice": "2.50"}]}
STREAM = {"orderId": "A1", "customerId": "c-1", "amount": "1500", "currency": "USD"}
JOB = {"jobId": "j-1", "customerId": "c-1", "items": [{"sku": "kettle"}], "total": "2.50"}
FLOW = {"orderId": "A1", "customerId": "c-1", "items": [{"sku": "k", "quantity": 1, "unitPrice": "2.50"}],
        "total": "2.50"}  # fmt: skip
CSV_HEADER = "id,date,amount,region,product\n"


def _csv(sale_id: str = "s-1", day: str = "2026-11-27", region: str = "eu") -> Any:
    (row,) = parse_sales([CSV_HEADER, f'"{sale_id}","{day}",1,"{region}",K\n'])
    if isinstance(row, Rejection):
        raise RejectedInput(row.reason)
    return row


def _product(product_id: str) -> str:
    products, problems = parse_products([{"id": product_id, "url": "https://shop.example/p"}])
    if problems:
        raise RejectedInput(problems[0])
    return products[0].product_id


# Every site, fed a value: it refuses it with its named rejection, or answers the value it keeps.
SITES: dict[str, Callable[[str], Any]] = {
    "checkout customerId": lambda v: validate_order({**ORDER, "customerId": v})["customerId"],
    "checkout currency": lambda v: validate_order({**ORDER, "currency": v})["currency"],
    "checkout sku": lambda v: validate_order({**ORDER, "items": [{**ORDER["items"][0], "sku": v}]})["items"][0]["sku"],
    "stream orderId": lambda v: parse_order(_kinesis({**STREAM, "orderId": v})).order_id,
    "stream customerId": lambda v: parse_order(_kinesis({**STREAM, "customerId": v})).customer_id,
    "stream currency": lambda v: parse_order(_kinesis({**STREAM, "currency": v})).currency,
    "worker jobId": lambda v: parse_job(json.dumps({**JOB, "jobId": v})).job_id,
    "worker customerId": lambda v: parse_job(json.dumps({**JOB, "customerId": v})).order["customerId"],
    "workflow orderId": lambda v: order_of({"order": {**FLOW, "orderId": v}})["orderId"],
    "workflow customerId": lambda v: checked_total({**FLOW, "customerId": v}) and v,
    "users email": lambda v: validate({"name": "Ada", "email": v}, partial=True)["email"],
    "etl sale id": lambda v: _csv(sale_id=v).sale_id,
    "etl region": lambda v: _csv(region=v).region.lower(),
    "scraper product id": _product,
}
VALID = {"checkout currency": "USD", "stream currency": "USD", "users email": "ada@example.com",
         "scraper product id": "a1", "etl region": "eu"}  # fmt: skip
# Sites documented to trim surrounding whitespace (a CSV cell, an address typed in a form): there a
# terminator before or after is trimmed away, and what is kept must be exactly the valid value.
TRIMMED = {"users email", "etl sale id", "etl region"}


@pytest.mark.parametrize("site", sorted(SITES))
def test_each_site_takes_its_valid_value(site: str) -> None:
    assert SITES[site](VALID.get(site, "A1")) == VALID.get(site, "A1")


@pytest.mark.documents("services.md", "Identifiers")
@pytest.mark.parametrize("terminator", LINE_TERMINATORS, ids=_code_points)
@pytest.mark.parametrize("where", ["after", "before", "inside"])
@pytest.mark.parametrize("site", sorted(SITES))
def test_a_line_terminator_anywhere_is_refused(site: str, where: str, terminator: str) -> None:
    valid = VALID.get(site, "A1")
    value = {"after": valid + terminator, "before": terminator + valid,
             "inside": valid[:1] + terminator + valid[1:]}[where]  # fmt: skip
    if site in TRIMMED and where != "inside":
        assert SITES[site](value) == valid  # trimmed to the very same id, never a second one
        return
    with pytest.raises(RejectedInput):
        SITES[site](value)
