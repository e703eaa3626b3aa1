"""Monthly cost of an environment's functions, from Lambda's pricing model.

Requests cost $0.20 per million; duration costs per GB-second, less on arm64; the free tier (one
million requests and 400,000 GB-seconds a month) is per account and is subtracted from the total,
not per function. Provisioned concurrency is billed for every second its environments exist (730
hours a month), used or not, and the duration it serves at a lower rate; the estimate assumes a
provisioned function's traffic fits in its environments, and the free tier does not cover either.
Prices are us-east-1's; other regions differ slightly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

REQUEST_PRICE_PER_MILLION = Decimal("0.20")
GB_SECOND_PRICE = {"x86_64": Decimal("0.0000166667"), "arm64": Decimal("0.0000133334")}
PROVISIONED_GB_SECOND_PRICE = {"x86_64": Decimal("0.0000041667"), "arm64": Decimal("0.0000033334")}
PROVISIONED_DURATION_PRICE = {"x86_64": Decimal("0.0000097222"), "arm64": Decimal("0.0000077778")}
SECONDS_PER_MONTH = Decimal(730 * 3600)
FREE_REQUESTS = Decimal(1_000_000)
FREE_GB_SECONDS = Decimal(400_000)


@dataclass(frozen=True)
class Usage:
    function: str
    memory_mb: int
    architecture: str
    invocations: Decimal
    average_ms: Decimal
    source: str  # "metrics" (last 30 days), "estimate" (expected_traffic) or "none"
    provisioned: int = 0  # environments kept initialised (provisioned concurrency)


@dataclass(frozen=True)
class Cost:
    usage: Usage
    gb_seconds: Decimal
    requests_usd: Decimal
    duration_usd: Decimal
    provisioned_usd: Decimal = Decimal(0)

    @property
    def total_usd(self) -> Decimal:
        return self.requests_usd + self.duration_usd + self.provisioned_usd


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def function_cost(usage: Usage) -> Cost:
    # Lambda bills duration in 1 ms steps and memory in MB: GB-s = invocations x ms/1000 x MB/1024.
    gb = Decimal(usage.memory_mb) / 1024
    gb_seconds = usage.invocations * usage.average_ms / 1000 * gb
    arch = usage.architecture if usage.architecture in GB_SECOND_PRICE else "x86_64"
    requests = usage.invocations / 1_000_000 * REQUEST_PRICE_PER_MILLION
    if not usage.provisioned:
        return Cost(usage, gb_seconds, requests, gb_seconds * GB_SECOND_PRICE[arch])
    kept = usage.provisioned * gb * SECONDS_PER_MONTH * PROVISIONED_GB_SECOND_PRICE[arch]
    return Cost(usage, gb_seconds, requests, gb_seconds * PROVISIONED_DURATION_PRICE[arch], kept)


@dataclass(frozen=True)
class Estimate:
    costs: list[Cost]
    gross_usd: Decimal
    free_tier_usd: Decimal

    @property
    def net_usd(self) -> Decimal:
        return max(Decimal(0), self.gross_usd - self.free_tier_usd)


def estimate(usages: list[Usage]) -> Estimate:
    costs = [function_cost(u) for u in usages]
    requests = sum((c.usage.invocations for c in costs), Decimal(0))
    free_requests = min(requests, FREE_REQUESTS) / 1_000_000 * REQUEST_PRICE_PER_MILLION
    # The free GB-seconds go to the cheapest-per-second usage last: apply them at the x86 price,
    # which is what they are worth unless the whole account runs on arm64.
    on_demand = [c for c in costs if not c.usage.provisioned]
    gb_seconds = sum((c.gb_seconds for c in on_demand), Decimal(0))
    arm_only = all(c.usage.architecture == "arm64" for c in on_demand) and on_demand
    free_duration = min(gb_seconds, FREE_GB_SECONDS) * GB_SECOND_PRICE["arm64" if arm_only else "x86_64"]
    gross = sum((c.total_usd for c in costs), Decimal(0))
    return Estimate(costs, gross, min(gross, free_requests + free_duration))


def table(result: Estimate) -> str:
    header = (
        f"{'function':<22} {'MB':>5} {'arch':<7} {'prov':>4} {'invocations':>12} {'avg ms':>8} {'GB-s':>12} "
        f"{'USD':>10}  source"
    )
    lines = [header, "-" * len(header)]
    for cost in sorted(result.costs, key=lambda c: -c.total_usd):
        u = cost.usage
        lines.append(
            f"{u.function:<22} {u.memory_mb:>5} {u.architecture:<7} {u.provisioned:>4} {u.invocations:>12,.0f} "
            f"{u.average_ms:>8.1f} "
            f"{cost.gb_seconds:>12,.1f} {_cents(cost.total_usd):>10}  {u.source}"
        )
    lines += [
        "-" * len(header),
        f"{'gross':<74} {_cents(result.gross_usd):>10}",
        f"{'free tier (1M requests, 400,000 GB-s per account)':<74} {-_cents(result.free_tier_usd):>10}",
        f"{'estimated monthly Lambda cost':<74} {_cents(result.net_usd):>10}",
    ]
    return "\n".join(lines)


def as_json(result: Estimate) -> dict[str, Any]:
    """The estimate for machines (`invoke cost --json`): amounts as decimal strings in USD, costliest first."""
    functions = [
        {"function": c.usage.function, "memory_mb": c.usage.memory_mb, "architecture": c.usage.architecture,
         "provisioned": c.usage.provisioned, "invocations": str(c.usage.invocations),
         "average_ms": str(c.usage.average_ms), "gb_seconds": str(c.gb_seconds), "requests_usd": str(c.requests_usd),
         "duration_usd": str(c.duration_usd), "provisioned_usd": str(c.provisioned_usd),
         "total_usd": str(c.total_usd), "source": c.usage.source}
        for c in sorted(result.costs, key=lambda c: -c.total_usd)
    ]  # fmt: skip
    return {"functions": functions, "gross_usd": str(result.gross_usd), "free_tier_usd": str(result.free_tier_usd),
            "net_usd": str(result.net_usd)}  # fmt: skip


def read_usage(environments: Any, env: str) -> Estimate:
    """An environment's estimate from its last 30 days of Lambda metrics, or, for a function with none,
    from the traffic its workspace expects (`expected_traffic`)."""
    outputs = environments.deployed_outputs(env)
    expected = outputs.get("expected_traffic") or {}
    cloudwatch = environments.client("cloudwatch", env)
    end = datetime.now(UTC)
    usages = []
    for name, fn in sorted(outputs["functions"].items()):
        stats = {}
        for metric, statistic in (("Invocations", "Sum"), ("Duration", "Average")):
            dimensions = [{"Name": "FunctionName", "Value": fn["function_name"]}]
            points = cloudwatch.get_metric_statistics(
                Namespace="AWS/Lambda", MetricName=metric, Dimensions=dimensions, StartTime=end - timedelta(days=30),
                EndTime=end, Period=86400 * 30, Statistics=[statistic],
            )["Datapoints"]  # fmt: skip
            stats[metric] = Decimal(str(points[0][statistic])) if points else None
        if stats["Invocations"]:
            usage = (stats["Invocations"], stats["Duration"] or Decimal(0), "metrics")
        elif name in expected:
            traffic = expected[name]
            usage = (Decimal(str(traffic["invocations_per_month"])), Decimal(str(traffic["average_duration_ms"])),
                     "estimate")  # fmt: skip
        else:
            usage = (Decimal(0), Decimal(0), "none")
        provisioned = int(fn.get("provisioned_concurrency") or 0)
        usages.append(Usage(name, int(fn["memory_size"]), fn["architecture"], *usage, provisioned=provisioned))
    return estimate(usages)
