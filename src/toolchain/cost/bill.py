"""An environment's bill: its measured usage per request times its traffic, plus what it pays for by
the month whatever the traffic, priced from prices.json.

Lambda's units are priced with the environment's own memory and architecture (a function measured at
256 MB on the emulator and given 1,536 MB in prod costs six times the GB-seconds there); a function
with provisioned concurrency pays for its environments all month and for its duration at the lower
rate (its traffic is assumed to fit in them). Storage a month's traffic adds is billed for half the
month on average; log bytes are stored for the environment's retention, in steady state. Lambda's
pollers long-poll each SQS queue mapped to a function even when it is idle: about 648,000 requests a
queue a month (five pollers, one 20-second receive each at a time). The always-free allowances are per
account, taken once from the monthly total (an environment is assumed to have its account to itself);
costs per 1,000 requests are marginal, before any allowance.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from toolchain.cost.prices import PriceList
from toolchain.cost.usage import Measured

GB = Decimal(2**30)
HOURS_PER_MONTH = Decimal(730)
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
IDLE_SQS_POLLING_PER_QUEUE = Decimal(648_000)  # 5 pollers x 3 receives a minute x 60 x 24 x 30
STORAGE_MONTH_SHARE = Decimal("0.5")
# Allowances AWS shares between units: Lambda's 400,000 GB-s across architectures, Logs' 5 GB across
# ingestion and storage (in the order listed).
FREE_POOLS = {"lambda.gb_seconds.x86_64": "lambda-duration", "lambda.gb_seconds.arm64": "lambda-duration",
              "logs.ingested_gb": "logs-data", "logs.stored_gb_months": "logs-data"}  # fmt: skip

SERVICE_NAMES = {
    "lambda": "Lambda", "apigateway": "API Gateway", "dynamodb": "DynamoDB", "sqs": "SQS", "sns": "SNS",
    "kinesis": "Kinesis Data Streams", "states": "Step Functions", "s3": "S3", "logs": "CloudWatch Logs",
    "cloudwatch": "CloudWatch", "xray": "X-Ray", "secretsmanager": "Secrets Manager", "kms": "KMS",
}  # fmt: skip


@dataclass(frozen=True)
class FunctionConfig:
    memory_mb: int
    architecture: str = "x86_64"
    provisioned: int = 0


@dataclass(frozen=True)
class Resources:
    """What an environment pays for by the month, read from its Terraform state (resources.py)."""

    functions: dict[str, FunctionConfig]
    shards: int = 0
    alarms: int = 0
    dashboards: int = 0
    secrets: int = 0
    customer_keys: int = 0
    sqs_mappings: int = 0
    log_retention_days: int = 30


@dataclass(frozen=True)
class Line:
    unit: str
    amount: Decimal
    usd: Decimal


@dataclass(frozen=True)
class EntryCost:
    name: str
    per_1000_usd: Decimal
    monthly_requests: int
    monthly_usd: Decimal
    by_service: dict[str, Decimal]
    failed: int


@dataclass
class Bill:
    environment: str
    region: str
    lines: list[Line]
    free_usd: Decimal
    entry_points: list[EntryCost]
    by_function: dict[str, Decimal]
    unmeasured_functions: list[str] = field(default_factory=list)

    @property
    def gross_usd(self) -> Decimal:
        return sum((line.usd for line in self.lines), Decimal(0))

    @property
    def net_usd(self) -> Decimal:
        return max(Decimal(0), self.gross_usd - self.free_usd)

    def by_service(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for line in self.lines:
            totals[line.unit.split(".", 1)[0]] += line.usd
        return dict(totals)


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def priced_units(payer: str, units: dict[str, float], resources: Resources,
                 measured_on: dict[str, int]) -> dict[str, Decimal]:  # fmt: skip
    """A payer's measured units in the units AWS prices, for this environment's configuration.
    `measured_on` is each function's memory where it was measured (its own is used when unknown)."""
    config = resources.functions.get(payer)
    found: dict[str, Decimal] = defaultdict(Decimal)
    for unit, raw in units.items():
        amount = Decimal(str(raw))
        if unit == "lambda.billed_ms":
            memory = config.memory_mb if config else measured_on.get(payer, 128)
            arch = config.architecture if config else "x86_64"
            kind = "provisioned_duration_gb_seconds" if config and config.provisioned else "gb_seconds"
            found[f"lambda.{kind}.{arch}"] += amount / 1000 * Decimal(memory) / 1024
        elif unit == "logs.ingested_bytes":
            found["logs.ingested_gb"] += amount / GB
            found["logs.stored_gb_months"] += amount / GB * Decimal(resources.log_retention_days) / 30
        elif unit.startswith(("dynamodb.stored_bytes", "s3.stored_bytes")):
            service = unit.split(".", 1)[0]
            found[f"{service}.storage_gb_months"] += amount / GB * STORAGE_MONTH_SHARE
        else:
            found[unit] += amount
    return dict(found)


def _usd(units: dict[str, Decimal], prices: PriceList) -> dict[str, Decimal]:
    by_service: dict[str, Decimal] = defaultdict(Decimal)
    for unit, amount in units.items():
        by_service[unit.split(".", 1)[0]] += prices.price(unit).of(amount)
    return dict(by_service)


def _kept(config: FunctionConfig) -> tuple[str, Decimal]:
    """(unit, GB-seconds) of a function's provisioned environments, kept all month, used or not."""
    seconds = Decimal(config.provisioned) * Decimal(config.memory_mb) / 1024 * SECONDS_PER_MONTH
    return f"lambda.provisioned_gb_seconds.{config.architecture}", seconds


def fixed_units(resources: Resources, custom_metrics: int) -> dict[str, Decimal]:
    found: dict[str, Decimal] = defaultdict(Decimal)
    for config in resources.functions.values():
        if config.provisioned:
            unit, seconds = _kept(config)
            found[unit] += seconds
    found["kinesis.shard_hours"] += Decimal(resources.shards) * HOURS_PER_MONTH
    found["cloudwatch.alarms"] += resources.alarms
    found["cloudwatch.dashboards"] += resources.dashboards
    found["cloudwatch.custom_metrics"] += custom_metrics
    found["secretsmanager.secrets"] += resources.secrets
    found["kms.customer_keys"] += resources.customer_keys
    found["sqs.requests"] += IDLE_SQS_POLLING_PER_QUEUE * resources.sqs_mappings
    return {unit: amount for unit, amount in found.items() if amount}


def _free(totals: dict[str, Decimal], prices: PriceList) -> Decimal:
    pools: dict[str, Decimal] = {}
    saved = Decimal(0)
    for unit, amount in totals.items():
        price = prices.price(unit)
        if not price.free:
            continue
        pool = FREE_POOLS.get(unit, unit)
        left = pools.setdefault(pool, price.free)
        used = min(amount, left)
        pools[pool] = left - used
        saved += price.of(used)
    return saved


def bill(measured: Measured, traffic: dict[str, int], resources: Resources, prices: PriceList,
         environment: str) -> Bill:  # fmt: skip
    """The month at `traffic` (requests a month per entry point): every service, per entry point and
    per function. A function the environment lacks is priced at the memory it was measured with."""
    memory = measured.memory_mb
    totals: dict[str, Decimal] = defaultdict(Decimal)
    by_function: dict[str, Decimal] = defaultdict(Decimal)
    entries = []
    metrics: set[str] = set()
    for name, usage in sorted(measured.entry_points.items()):
        per_request: dict[str, Decimal] = defaultdict(Decimal)
        monthly = Decimal(traffic.get(name, 0))
        for payer, units in usage.per_request.items():
            priced = priced_units(payer, units, resources, memory)
            payer_usd = sum(_usd(priced, prices).values(), Decimal(0))
            by_function[payer] += payer_usd * monthly
            for unit, amount in priced.items():
                per_request[unit] += amount
                totals[unit] += amount * monthly
        if monthly:
            metrics.update(usage.custom_metrics)
        services = _usd(per_request, prices)
        per_1000 = sum(services.values(), Decimal(0)) * 1000
        entries.append(EntryCost(name, per_1000, int(monthly), per_1000 * monthly / 1000,
                                 {s: v * 1000 for s, v in services.items()}, usage.failed))  # fmt: skip
    for unit, amount in fixed_units(resources, len(metrics)).items():
        totals[unit] += amount
    for name, config in resources.functions.items():
        if config.provisioned:
            unit, seconds = _kept(config)
            by_function[name] += prices.price(unit).of(seconds)
    lines = [Line(unit, amount, prices.price(unit).of(amount)) for unit, amount in sorted(totals.items()) if amount]
    invoked = {payer for usage in measured.entry_points.values() for payer in usage.per_request}
    unmeasured = sorted(set(resources.functions) - invoked)
    return Bill(environment, prices.region, lines, _free(totals, prices), entries, dict(by_function), unmeasured)
