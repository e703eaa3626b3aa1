"""The bill's arithmetic, each figure worked out by hand from us-east-1's list prices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from toolchain.cost import prices
from toolchain.cost.bill import FunctionConfig, Resources, bill, fixed_units, priced_units
from toolchain.cost.usage import EntryUsage, Measured

pytestmark = pytest.mark.documents("environments.md", "Cost")

US_EAST_1 = prices.load("us-east-1")


def _measured(**entries: EntryUsage) -> Measured:
    return Measured("2026-12-07T00:00:00Z", "emulator", "a" * 64, "platform.toml", entries)


def test_lambda_duration_is_priced_with_the_environments_memory() -> None:
    # GIVEN 100 ms measured on a function that has 1,536 MB in this environment
    resources = Resources({"thumbnails": FunctionConfig(1536)})
    units = priced_units("thumbnails", {"lambda.billed_ms": 100, "lambda.requests": 1}, resources, {})
    # THEN 0.1 s x 1.5 GB = 0.15 GB-s
    assert units == {"lambda.gb_seconds.x86_64": Decimal("0.15"), "lambda.requests": Decimal(1)}


@pytest.mark.documents("environments.md", "Provisioned concurrency")
def test_a_provisioned_function_pays_the_lower_duration_rate_and_its_environments_all_month() -> None:
    resources = Resources({"users": FunctionConfig(512, "arm64", provisioned=2)})
    units = priced_units("users", {"lambda.billed_ms": 1000}, resources, {})
    assert units == {"lambda.provisioned_duration_gb_seconds.arm64": Decimal("0.5")}
    # 2 environments x 0.5 GB x 730 h x 3600 s = 2,628,000 GB-s kept
    assert fixed_units(resources, 0) == {"lambda.provisioned_gb_seconds.arm64": Decimal(2_628_000)}


def test_storage_is_half_a_month_and_logs_are_kept_for_the_retention() -> None:
    gib = 2**30
    units = priced_units("storage", {"dynamodb.stored_bytes": gib, "s3.stored_bytes": 2 * gib}, Resources({}), {})
    assert units == {"dynamodb.storage_gb_months": Decimal("0.5"), "s3.storage_gb_months": Decimal(1)}
    logged = priced_units("edge", {"logs.ingested_bytes": gib}, Resources({}, log_retention_days=90), {})
    assert logged == {"logs.ingested_gb": Decimal(1), "logs.stored_gb_months": Decimal(3)}


def test_the_fixed_part_counts_what_exists_whatever_the_traffic() -> None:
    resources = Resources({}, shards=2, alarms=12, dashboards=1, secrets=3, customer_keys=1, sqs_mappings=2)
    assert fixed_units(resources, custom_metrics=7) == {
        "kinesis.shard_hours": Decimal(1460), "cloudwatch.alarms": Decimal(12), "cloudwatch.dashboards": Decimal(1),
        "cloudwatch.custom_metrics": Decimal(7), "secretsmanager.secrets": Decimal(3),
        "kms.customer_keys": Decimal(1), "sqs.requests": Decimal(1_296_000),
    }  # fmt: skip


def test_cost_per_1000_requests_and_a_month_at_traffic() -> None:
    # GIVEN one request of get-user: an API request, two invocations of 10 ms at 256 MB, half a read unit
    per_request = {
        "edge": {"apigateway.rest_requests": 1.0},
        "users": {"lambda.requests": 1.0, "lambda.billed_ms": 10.0, "dynamodb.read_request_units": 0.5},
        "authorizer": {"lambda.requests": 1.0, "lambda.billed_ms": 10.0},
    }
    measured = _measured(**{"get-user": EntryUsage(20, 0, per_request, ["ns|Reads|service=users"])})
    resources = Resources(
        {"users": FunctionConfig(256), "authorizer": FunctionConfig(256), "etl": FunctionConfig(1024)}
    )
    result = bill(measured, {"get-user": 2_000_000}, resources, US_EAST_1, "prod")
    entry = result.entry_points[0]
    # per 1,000: API Gateway 1,000 x $3.50/M = $0.0035; Lambda 2,000 x $0.20/M = $0.0004 plus
    # 2,000 x 0.01 s x 0.25 GB = 5 GB-s x $0.0000166667 = $0.0000833335; DynamoDB 500 x $0.125/M = $0.0000625
    assert entry.by_service == {"apigateway": Decimal("0.0035"), "lambda": Decimal("0.0004833335"),
                                "dynamodb": Decimal("0.0000625")}  # fmt: skip
    assert entry.per_1000_usd == Decimal("0.0040458335")
    assert entry.monthly_usd == Decimal("8.0916670")
    # a month: 4M Lambda requests ($0.80, 1M free: $0.20), 10,000 GB-s ($0.166667, all free), 1 custom metric (free)
    assert result.by_service()["lambda"] == Decimal("0.96666700")
    assert result.free_usd == Decimal("0.20") + Decimal("0.166667") + Decimal("0.30")
    assert result.net_usd == result.gross_usd - result.free_usd
    assert result.by_function["edge"] == Decimal("7.00")
    assert result.unmeasured_functions == ["etl"]


def test_free_allowances_are_per_account_and_shared_where_aws_shares_them() -> None:
    # 300,000 GB-s on x86 and 300,000 on arm64: the 400,000 free go to x86 first, then 100,000 to arm64
    per_request = {"a": {"lambda.billed_ms": 1000.0}, "b": {"lambda.billed_ms": 1000.0}}
    resources = Resources({"a": FunctionConfig(1024), "b": FunctionConfig(1024, "arm64")})
    result = bill(_measured(run=EntryUsage(1, 0, per_request)), {"run": 300_000}, resources, US_EAST_1, "prod")
    expected = 300_000 * Decimal("0.0000166667") + 100_000 * Decimal("0.0000133334")
    assert result.free_usd == expected


def test_no_traffic_leaves_only_the_fixed_part() -> None:
    result = bill(_measured(run=EntryUsage(1, 0, {"a": {"lambda.requests": 1.0}})), {}, Resources({}, shards=1),
                  US_EAST_1, "dev")  # fmt: skip
    assert result.by_service() == {"kinesis": Decimal("10.950")}
    assert result.entry_points[0].monthly_usd == 0


def test_a_function_the_environment_lacks_is_priced_at_the_memory_it_was_measured_with() -> None:
    # GIVEN a new function measured at 2,048 MB, not yet deployed where the bill is asked for
    measured = Measured("2026-12-07T00:00:00Z", "emulator", "a" * 64, "platform.toml",
                        {"run": EntryUsage(1, 0, {"fresh": {"lambda.billed_ms": 1000.0}})}, {"fresh": 2048})  # fmt: skip
    result = bill(measured, {"run": 1000}, Resources({}), US_EAST_1, "prod")
    # THEN 1,000 x 1 s x 2 GB = 2,000 GB-s
    assert [(line.unit, line.amount) for line in result.lines] == [("lambda.gb_seconds.x86_64", Decimal(2000))]
