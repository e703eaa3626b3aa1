"""Every service's settings module says which variables it reads (`VARIABLES`), and says it truly.

A mapping that records every name looked up stands in for the environment; each service's settings
are parsed from it (in every mode they have) and must have read exactly what VARIABLES names.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest

import lambdas.services
from lambdas.common.exceptions import ConfigurationError

# A valid value for every variable any service reads.
SAMPLES = {
    "UPLOAD_PREFIX": "uploads/", "THUMBNAIL_PREFIX": "thumbnails/", "THUMBNAIL_MAX_DIMENSION": "200",
    "THUMBNAIL_MAX_SOURCE_BYTES": "1048576", "THUMBNAIL_MAX_SOURCE_PIXELS": "1000000", "USERS_TABLE": "users",
    "CORS_ALLOWED_ORIGINS": "https://app.example.com", "JWT_MODE": "hs256", "JWT_SECRET_ID": "jwt",
    "JWKS_URL": "https://auth.example.com/jwks.json", "JWT_ISSUER": "https://auth.example.com/", "JWT_AUDIENCE": "api",
    "JWT_LEEWAY_SECONDS": "30", "SECRET_CACHE_SECONDS": "300", "JWKS_CACHE_SECONDS": "600",
    "SLACK_SIGNING_SECRET_ID": "slack", "WEATHER_URL": "https://wttr.in/{place}?format=j1",
    "WEATHER_TIMEOUT_SECONDS": "2", "STATUS_TABLES": "users", "STATUS_FUNCTIONS": "users", "SALES_TABLE": "sales",
    "ETL_INCOMING_PREFIX": "incoming/", "ETL_REPORT_PREFIX": "reports/", "ETL_MAX_FILE_BYTES": "1048576",
    "ETL_WRITE_LANES": "4", "TIME_MARGIN_SECONDS": "10", "ORDER_ALERT_THRESHOLD": "1000", "ALERTS_TOPIC_ARN": "arn:t",
    "IDEMPOTENCY_TABLE": "idem", "SESSIONS_TABLE": "sessions", "SWEEP_PAGE_SIZE": "100", "PRODUCTS_PARAMETER": "/p",
    "PRICES_TABLE": "prices", "PRICE_DROP_PERCENT": "10", "SCRAPER_ALLOW_HOSTS": "", "SCRAPER_HOST_DELAY_SECONDS": "1",
    "SCRAPER_TIMEOUT_SECONDS": "10", "WORK_QUEUE_URL": "https://sqs/q", "WORKFLOW_ARN": "arn:w",
    "FULFILMENTS_TABLE": "fulfilments", "ORDER_STATUS_TABLE": "status", "ORDER_EVENTS_TOPIC_ARN": "arn:e",
    "USERS_CURSOR_SECRET_ID": "cursor", "SCRAPER_PRODUCT_SECONDS": "30",
}  # fmt: skip
MODES = {"authorizer": [{}, {"JWT_MODE": "jwks"}]}


class Recording(dict):
    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.read.add(str(key))
        return super().__contains__(key)


def services() -> Iterator[str]:
    for module in pkgutil.iter_modules(lambdas.services.__path__):
        yield module.name


@pytest.mark.parametrize("service", sorted(services()))
def test_variables_names_exactly_what_the_settings_read(service: str) -> None:
    module = importlib.import_module(f"lambdas.services.{service}.settings")
    unknown = sorted(set(module.VARIABLES) - set(SAMPLES))
    assert not unknown, f"add a valid sample value for {', '.join(unknown)} to SAMPLES in {__file__}"
    read: set[str] = set()
    for mode in MODES.get(service, [{}]):
        env = Recording({**SAMPLES, **mode})
        current = getattr(module, "current", None)
        if current is not None:
            current.__wrapped__(env)
        read |= env.read
    assert read == set(module.VARIABLES)


def _reading_services() -> list[str]:
    """Services that read any variable: a new function's scaffold reads none until it is given one."""
    return sorted(s for s in services() if importlib.import_module(f"lambdas.services.{s}.settings").VARIABLES)


@pytest.mark.parametrize("service", _reading_services())
def test_a_missing_or_bad_value_names_its_variable(service: str) -> None:
    module = importlib.import_module(f"lambdas.services.{service}.settings")
    refusals = []
    for name in module.VARIABLES:
        for value in ("", " ", "not a valid value for anything:"):
            try:
                module.current.__wrapped__({**SAMPLES, name: value})
            except ConfigurationError as exc:
                refusals.append((name, str(exc)))
    assert refusals  # what a service reads, it checks: some value of some variable is refused
    assert all(name in message for name, message in refusals), refusals
