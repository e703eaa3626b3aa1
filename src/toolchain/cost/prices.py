"""AWS's list prices, from prices.json: one file, each service's figures with their source and date,
per region."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from toolchain.errors import ToolchainError

PRICES_FILE = Path(__file__).with_name("prices.json")


@dataclass(frozen=True)
class Price:
    usd: Decimal  # per `per` units
    per: int
    free: Decimal  # always-free units a month, per account

    def of(self, units: Decimal) -> Decimal:
        return units * self.usd / self.per


@dataclass(frozen=True)
class ServicePrices:
    service: str
    source: str
    date: str
    prices: dict[str, Price]


@dataclass(frozen=True)
class PriceList:
    region: str
    services: dict[str, ServicePrices]

    def price(self, unit: str) -> Price:
        """The price of "service.unit" (a Lambda duration unit names its architecture: gb_seconds.arm64)."""
        service, name = unit.split(".", 1)
        try:
            return self.services[service].prices[name]
        except KeyError:
            raise ToolchainError(f"prices.json has no price for {unit} in {self.region}",
                                 f"add it to {PRICES_FILE} with its source and date") from None  # fmt: skip


def _service(service: str, data: dict[str, Any]) -> ServicePrices:
    prices = {name: Price(Decimal(str(p["usd"])), int(p["per"]), Decimal(str(p.get("free", 0))))
              for name, p in data["prices"].items()}  # fmt: skip
    return ServicePrices(service, str(data["source"]), str(data["date"]), prices)


def load(region: str, path: Path = PRICES_FILE) -> PriceList:
    regions: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["regions"]
    data = regions.get(region)
    if data is None:
        raise ToolchainError(
            f"no prices for {region} in {path.name} (it has {', '.join(sorted(regions))})",
            f"add {region} to {path}: each service's prices with their source and date",
        )
    if "same_as" in data:
        base = load(str(data["same_as"]), path)
        return PriceList(region, base.services)
    return PriceList(region, {service: _service(service, found) for service, found in data.items()})
