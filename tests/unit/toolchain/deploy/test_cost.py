"""Lambda's pricing model: requests, GB-seconds by architecture, the account's free tier."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolchain.deploy.cost import FREE_GB_SECONDS, Usage, as_json, estimate, function_cost, table


def usage(name: str = "users", memory: int = 512, arch: str = "x86_64", calls: int = 0, ms: str = "0") -> Usage:
    return Usage(name, memory, arch, Decimal(calls), Decimal(ms), "estimate")


def test_requests_and_duration_of_one_function() -> None:
    # 3M requests x 45 ms at 512 MB = 67,500 GB-s
    cost = function_cost(usage(calls=3_000_000, ms="45"))
    assert cost.gb_seconds == Decimal("67500")
    assert cost.requests_usd == Decimal("0.60")
    assert cost.duration_usd == Decimal("67500") * Decimal("0.0000166667")


def test_arm64_seconds_cost_less_than_x86_seconds() -> None:
    x86 = function_cost(usage(calls=1_000_000, ms="100", arch="x86_64"))
    arm = function_cost(usage(calls=1_000_000, ms="100", arch="arm64"))
    assert x86.gb_seconds == arm.gb_seconds
    assert arm.duration_usd < x86.duration_usd
    assert arm.duration_usd / x86.duration_usd == Decimal("0.0000133334") / Decimal("0.0000166667")


@pytest.mark.documents("environments.md", "Provisioned concurrency", "Cost")
def test_provisioned_concurrency_costs_every_second_and_cheaper_duration() -> None:
    # 2 environments of 512 MB for 730 hours: 2 x 0.5 GB x 2,628,000 s = 2,628,000 GB-s at $0.0000041667
    plain, kept = usage(calls=3_000_000, ms="45"), Usage("users", 512, "x86_64", Decimal(3_000_000), Decimal(45),
                                                         "estimate", provisioned=2)  # fmt: skip
    cost = function_cost(kept)
    assert cost.provisioned_usd == Decimal(2_628_000) * Decimal("0.0000041667")
    assert cost.duration_usd == Decimal("67500") * Decimal("0.0000097222") < function_cost(plain).duration_usd
    # and the free tier's GB-seconds do not cover it (its free requests still count)
    assert estimate([plain]).free_tier_usd == Decimal("0.20") + Decimal("67500") * Decimal("0.0000166667")
    assert estimate([kept]).free_tier_usd == Decimal("0.20")
    assert " 2 " in table(estimate([kept])).splitlines()[2]


def test_a_small_environment_is_free() -> None:
    result = estimate([usage(calls=20_000, ms="50"), usage("authorizer", 256, calls=5_000, ms="15")])
    assert result.gross_usd > 0
    assert result.net_usd == 0


@pytest.mark.documents("environments.md", "Cost")
def test_the_free_tier_is_per_account_not_per_function() -> None:
    # Two functions of 300,000 GB-s each: 200,000 GB-s are billed, not zero.
    one = usage(memory=1024, calls=1_000_000, ms="300")
    result = estimate([one, usage("etl", 1024, calls=1_000_000, ms="300")])
    free_requests = Decimal("0.20")
    free_seconds = FREE_GB_SECONDS * Decimal("0.0000166667")
    assert result.free_tier_usd == free_requests + free_seconds
    assert result.net_usd == result.gross_usd - free_requests - free_seconds


@given(st.lists(st.tuples(st.sampled_from([128, 256, 512, 1024, 10240]), st.sampled_from(["x86_64", "arm64"]),
                          st.integers(0, 10**9), st.integers(0, 900_000)), max_size=8))  # fmt: skip
def test_the_estimate_is_never_negative_and_never_more_than_gross(rows: list[tuple[int, str, int, int]]) -> None:
    result = estimate([usage(f"f{i}", m, a, c, str(ms)) for i, (m, a, c, ms) in enumerate(rows)])
    assert 0 <= result.net_usd <= result.gross_usd


def test_the_table_lists_the_costliest_first_and_the_total() -> None:
    result = estimate([usage("cheap", calls=10, ms="1"), usage("dear", 3008, calls=50_000_000, ms="800")])
    lines = table(result).splitlines()
    assert lines[2].startswith("dear ") and lines[3].startswith("cheap ")
    assert lines[-1].startswith("estimated monthly Lambda cost")
    assert Decimal(lines[-1].split()[-1]) == result.net_usd.quantize(Decimal("0.01"))
    assert result.net_usd > 1000


def test_the_json_has_every_function_costliest_first_and_exact_amounts() -> None:
    import json

    result = estimate([usage("cheap", calls=10, ms="1"), usage("dear", 3008, calls=50_000_000, ms="800")])
    document = json.loads(json.dumps(as_json(result)))  # what --json prints: plain JSON, decimals as strings
    assert [f["function"] for f in document["functions"]] == ["dear", "cheap"]
    assert Decimal(document["net_usd"]) == result.net_usd
    dear = document["functions"][0]
    assert Decimal(dear["total_usd"]) == Decimal(dear["requests_usd"]) + Decimal(dear["duration_usd"])
    assert (dear["memory_mb"], dear["invocations"]) == (3008, "50000000")
