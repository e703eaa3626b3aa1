"""prices.json: one file, every price with its source and date, per region; every unit the bill can
produce has a price in every region."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from toolchain.cost import prices
from toolchain.cost.bill import FREE_POOLS, SERVICE_NAMES
from toolchain.errors import ToolchainError

pytestmark = pytest.mark.documents("environments.md", "Prices, with their source and date")

REGIONS = sorted(json.loads(prices.PRICES_FILE.read_text())["regions"])
# every unit the meter, the bill's conversions and the fixed resources produce
BILLED_UNITS = [
    "lambda.requests", "lambda.gb_seconds.x86_64", "lambda.gb_seconds.arm64", "lambda.provisioned_gb_seconds.x86_64",
    "lambda.provisioned_gb_seconds.arm64", "lambda.provisioned_duration_gb_seconds.x86_64",
    "lambda.provisioned_duration_gb_seconds.arm64", "apigateway.rest_requests", "dynamodb.write_request_units",
    "dynamodb.read_request_units", "dynamodb.storage_gb_months", "dynamodb.stream_read_requests", "sqs.requests",
    "sns.publishes", "kinesis.shard_hours", "kinesis.put_payload_units", "states.state_transitions",
    "s3.tier1_requests", "s3.tier2_requests", "s3.storage_gb_months", "logs.ingested_gb", "logs.stored_gb_months",
    "cloudwatch.custom_metrics", "cloudwatch.alarms", "cloudwatch.dashboards", "cloudwatch.api_requests",
    "xray.traces_recorded", "secretsmanager.secrets", "secretsmanager.api_calls", "kms.customer_keys", "kms.requests",
]  # fmt: skip


@pytest.mark.parametrize("region", REGIONS)
def test_every_billed_unit_has_a_price_with_its_source_and_date(region: str) -> None:
    listed = prices.load(region)
    for unit in BILLED_UNITS:
        price = listed.price(unit)
        assert price.usd > 0 and price.per >= 1
    for service in listed.services.values():
        assert re.fullmatch(r"https://aws\.amazon\.com/[\w/-]+/", service.source), service.source
        assert re.fullmatch(r"20\d\d-\d\d", service.date), service.date
    assert set(listed.services) == set(SERVICE_NAMES)


def test_the_figures_are_the_published_ones_for_us_east_1() -> None:
    # spot checks against the pricing pages the file cites
    listed = prices.load("us-east-1")
    assert listed.price("lambda.requests").of(Decimal(1_000_000)) == Decimal("0.20")
    assert listed.price("apigateway.rest_requests").of(Decimal(1_000_000)) == Decimal("3.50")
    assert listed.price("dynamodb.write_request_units").of(Decimal(1_000_000)) == Decimal("0.625")
    assert listed.price("states.state_transitions").of(Decimal(1_000)) == Decimal("0.025")
    assert listed.price("kinesis.shard_hours").of(Decimal(730)) == Decimal("10.950")
    assert listed.price("lambda.gb_seconds.x86_64").free == 400_000


def test_pooled_allowances_are_equal_within_their_pool() -> None:
    listed = prices.load("us-east-1")
    pools: dict[str, set[Decimal]] = {}
    for unit, pool in FREE_POOLS.items():
        pools.setdefault(pool, set()).add(listed.price(unit).free)
    assert all(len(values) == 1 for values in pools.values()), pools


def test_an_unknown_region_or_unit_is_named_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ToolchainError) as raised:
        prices.load("eu-west-1")
    assert "no prices for eu-west-1 in prices.json (it has us-east-1, us-east-2, us-west-2)" in str(raised.value)
    assert "add eu-west-1" in raised.value.hint
    with pytest.raises(ToolchainError, match="no price for lambda.nope in us-east-1"):
        prices.load("us-east-1").price("lambda.nope")
