"""The bill for people (a few tables) and for machines (`--json`: amounts as decimal strings in USD)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from toolchain.cost.bill import SERVICE_NAMES, Bill, cents
from toolchain.cost.prices import PriceList
from toolchain.cost.usage import Measured

UNIT_NAMES = {
    "requests": "requests", "rest_requests": "requests", "write_request_units": "write request units",
    "read_request_units": "read request units", "storage_gb_months": "GB-months stored",
    "stream_read_requests": "stream read requests", "publishes": "publishes", "shard_hours": "shard hours",
    "put_payload_units": "PUT payload units", "state_transitions": "state transitions",
    "tier1_requests": "PUT/COPY/POST/LIST requests", "tier2_requests": "GET and other requests",
    "ingested_gb": "GB ingested", "stored_gb_months": "GB-months stored", "custom_metrics": "custom metrics",
    "alarms": "alarms", "dashboards": "dashboards", "api_requests": "API requests",
    "traces_recorded": "traces recorded", "secrets": "secrets", "api_calls": "API calls",
    "customer_keys": "customer managed keys",
}  # fmt: skip


def unit_label(unit: str) -> str:
    _service, name = unit.split(".", 1)
    for kind in ("provisioned_duration_gb_seconds", "provisioned_gb_seconds", "gb_seconds"):
        if name.startswith(kind + "."):
            arch = name.rsplit(".", 1)[-1]
            what = {"gb_seconds": "GB-s", "provisioned_gb_seconds": "GB-s provisioned",
                    "provisioned_duration_gb_seconds": "GB-s on provisioned"}[kind]  # fmt: skip
            return f"{what} ({arch})"
    return UNIT_NAMES.get(name, name.replace("_", " "))


def _amount(value: Decimal) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.3f}".rstrip("0").rstrip(".") or "0"


def _money(value: Decimal, places: int = 2) -> str:
    return f"{value:,.{places}f}"


def _mostly(by_service: dict[str, Decimal]) -> str:
    total = sum(by_service.values(), Decimal(0))
    if not total:
        return ""
    top = sorted(by_service.items(), key=lambda item: -item[1])[:3]
    return ", ".join(f"{SERVICE_NAMES.get(s, s)} {v / total:.0%}" for s, v in top if v / total >= Decimal("0.05"))


def text(result: Bill, measured: Measured, prices: PriceList, verbose: bool = False) -> str:
    dates = sorted({p.date for p in prices.services.values()})
    lines = [
        f"{result.environment}: about {_money(result.net_usd)} USD a month, after the always-free allowances.",
        f"Prices: {result.region}'s AWS list prices of {', '.join(dates)} (src/toolchain/cost/prices.json);",
        f"usage measured on the emulator at {measured.measured_at} (manifest {measured.manifest_sha256[:12]}).",
        "",
        f"{'entry point':<18} {'per 1,000':>10} {'a month':>12} {'USD/month':>11}  mostly",
    ]
    for entry in sorted(result.entry_points, key=lambda e: -e.monthly_usd):
        failed = f"  ({entry.failed} failed while measured)" if entry.failed else ""
        lines.append(f"{entry.name:<18} {_money(entry.per_1000_usd, 4):>10} {entry.monthly_requests:>12,} "
                     f"{_money(entry.monthly_usd):>11}  {_mostly(entry.by_service)}{failed}")  # fmt: skip
    lines += ["", f"{'service':<22} {'USD/month':>11}  usage a month"]
    by_service = result.by_service()
    for service in sorted(by_service, key=lambda s: -by_service[s]):
        used = [line for line in result.lines if line.unit.startswith(service + ".")]
        shown = used if verbose else sorted(used, key=lambda line: -line.usd)[:3]
        usage = ", ".join(f"{_amount(line.amount)} {unit_label(line.unit)}" for line in shown)
        more = f", +{len(used) - len(shown)} more" if len(used) > len(shown) else ""
        lines.append(f"{SERVICE_NAMES.get(service, service):<22} {_money(by_service[service]):>11}  {usage}{more}")
    payers = sorted(result.by_function.items(), key=lambda item: -item[1])
    lines += [
        f"{'gross':<22} {_money(result.gross_usd):>11}",
        f"{'always-free allowances':<22} {_money(-cents(result.free_usd)):>11}  (per account)",
        f"{'estimated a month':<22} {_money(result.net_usd):>11}",
        "",
        "who pays (a month, before allowances): "
        + ", ".join(f"{payer} {_money(usd)}" for payer, usd in payers if cents(usd)),
    ]
    if result.unmeasured_functions:
        lines.append(f"not driven by any entry point (no traffic priced): {', '.join(result.unmeasured_functions)}")
    return "\n".join(lines)


def as_json(result: Bill, measured: Measured, prices: PriceList) -> dict[str, Any]:
    entries = [
        {"name": e.name, "per_1000_requests_usd": str(e.per_1000_usd), "monthly_requests": e.monthly_requests,
         "monthly_usd": str(e.monthly_usd), "per_1000_by_service_usd": {s: str(v) for s, v in e.by_service.items()},
         "failed_while_measured": e.failed}
        for e in sorted(result.entry_points, key=lambda e: e.name)
    ]  # fmt: skip
    return {
        "environment": result.environment,
        "region": result.region,
        "prices": {service: {"source": p.source, "date": p.date} for service, p in sorted(prices.services.items())},
        "measured_at": measured.measured_at,
        "manifest_sha256": measured.manifest_sha256,
        "entry_points": entries,
        "services": {s: str(v) for s, v in sorted(result.by_service().items())},
        "usage": [{"unit": line.unit, "amount": str(line.amount), "usd": str(line.usd)} for line in result.lines],
        "by_payer": {payer: str(usd) for payer, usd in sorted(result.by_function.items())},
        "unmeasured_functions": result.unmeasured_functions,
        "gross_usd": str(result.gross_usd),
        "free_usd": str(result.free_usd),
        "net_usd": str(result.net_usd),
    }
