"""Every environment variable the runtime reads is named in this module and nowhere else.

Names only: secrets are never in the environment, only the ids of Secrets Manager secrets.

Values are parsed and validated once per container; a bad value is a `ConfigurationError`
naming the variable, raised at the first invocation rather than deep inside a handler.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from lambdas.common.exceptions import ConfigurationError

UPLOAD_PREFIX = "UPLOAD_PREFIX"
THUMBNAIL_PREFIX = "THUMBNAIL_PREFIX"
THUMBNAIL_MAX_DIMENSION = "THUMBNAIL_MAX_DIMENSION"
THUMBNAIL_MAX_SOURCE_BYTES = "THUMBNAIL_MAX_SOURCE_BYTES"
THUMBNAIL_MAX_SOURCE_PIXELS = "THUMBNAIL_MAX_SOURCE_PIXELS"
USERS_TABLE = "USERS_TABLE"
JWT_MODE = "JWT_MODE"
# Names of variables holding Secrets Manager ids (bandit's B105 reads "SECRET" as a password).
JWT_SECRET_ID = "JWT_SECRET_ID"  # nosec B105
JWKS_URL = "JWKS_URL"
JWT_ISSUER = "JWT_ISSUER"
JWT_AUDIENCE = "JWT_AUDIENCE"
JWT_LEEWAY_SECONDS = "JWT_LEEWAY_SECONDS"
SECRET_CACHE_SECONDS = "SECRET_CACHE_SECONDS"  # nosec B105
SLACK_SIGNING_SECRET_ID = "SLACK_SIGNING_SECRET_ID"  # nosec B105
WEATHER_URL = "WEATHER_URL"
WEATHER_TIMEOUT_SECONDS = "WEATHER_TIMEOUT_SECONDS"
STATUS_TABLES = "STATUS_TABLES"
STATUS_FUNCTIONS = "STATUS_FUNCTIONS"
SALES_TABLE = "SALES_TABLE"
ETL_INCOMING_PREFIX = "ETL_INCOMING_PREFIX"
ETL_REPORT_PREFIX = "ETL_REPORT_PREFIX"
ETL_MAX_FILE_BYTES = "ETL_MAX_FILE_BYTES"
ETL_WRITE_LANES = "ETL_WRITE_LANES"
TIME_MARGIN_SECONDS = "TIME_MARGIN_SECONDS"
ORDER_ALERT_THRESHOLD = "ORDER_ALERT_THRESHOLD"
ALERTS_TOPIC_ARN = "ALERTS_TOPIC_ARN"
IDEMPOTENCY_TABLE = "IDEMPOTENCY_TABLE"
SESSIONS_TABLE = "SESSIONS_TABLE"
SWEEP_PAGE_SIZE = "SWEEP_PAGE_SIZE"
PRODUCTS_PARAMETER = "PRODUCTS_PARAMETER"
PRICES_TABLE = "PRICES_TABLE"
PRICE_DROP_PERCENT = "PRICE_DROP_PERCENT"
SCRAPER_ALLOW_HOSTS = "SCRAPER_ALLOW_HOSTS"
SCRAPER_HOST_DELAY_SECONDS = "SCRAPER_HOST_DELAY_SECONDS"
SCRAPER_TIMEOUT_SECONDS = "SCRAPER_TIMEOUT_SECONDS"
WORK_QUEUE_URL = "WORK_QUEUE_URL"
WORKFLOW_ARN = "WORKFLOW_ARN"
FULFILMENTS_TABLE = "FULFILMENTS_TABLE"
ORDER_STATUS_TABLE = "ORDER_STATUS_TABLE"
ORDER_EVENTS_TOPIC_ARN = "ORDER_EVENTS_TOPIC_ARN"
JWKS_CACHE_SECONDS = "JWKS_CACHE_SECONDS"
CORS_ALLOWED_ORIGINS = "CORS_ALLOWED_ORIGINS"
# Read by Powertools itself too; the default keeps metrics valid when a deployment forgets it.
METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE"
DEFAULT_METRICS_NAMESPACE = "ServerlessPlatform"


def _text(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, default).strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is empty")
    return value


def _prefix(env: Mapping[str, str], name: str, default: str) -> str:
    value = _text(env, name, default)
    if not value.endswith("/") or value.startswith("/"):
        raise ConfigurationError(f"{name}={value!r} must be a key prefix like 'uploads/'")
    return value


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int, maximum: int) -> int:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not an integer") from None
    if not minimum <= value <= maximum:
        raise ConfigurationError(f"{name}={value} is outside {minimum}..{maximum}")
    return value


@dataclass(frozen=True)
class ThumbnailSettings:
    upload_prefix: str = "uploads/"
    thumbnail_prefix: str = "thumbnails/"
    max_dimension: int = 200
    max_source_bytes: int = 30 * 1024 * 1024
    max_source_pixels: int = 50_000_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> ThumbnailSettings:
        settings = cls(
            upload_prefix=_prefix(env, UPLOAD_PREFIX, cls.upload_prefix),
            thumbnail_prefix=_prefix(env, THUMBNAIL_PREFIX, cls.thumbnail_prefix),
            max_dimension=_int(env, THUMBNAIL_MAX_DIMENSION, cls.max_dimension, minimum=16, maximum=2000),
            max_source_bytes=_int(env, THUMBNAIL_MAX_SOURCE_BYTES, cls.max_source_bytes, minimum=1024, maximum=1 << 30),
            max_source_pixels=_int(
                env, THUMBNAIL_MAX_SOURCE_PIXELS, cls.max_source_pixels, minimum=10_000, maximum=500_000_000
            ),
        )
        # Overlapping prefixes would let the function trigger itself on its own output.
        if settings.thumbnail_prefix.startswith(settings.upload_prefix) or settings.upload_prefix.startswith(
            settings.thumbnail_prefix
        ):
            raise ConfigurationError(
                f"{THUMBNAIL_PREFIX}={settings.thumbnail_prefix!r} and {UPLOAD_PREFIX}="
                f"{settings.upload_prefix!r} overlap: thumbnails would trigger the function again"
            )
        return settings


@cache
def thumbnail_settings() -> ThumbnailSettings:
    return ThumbnailSettings.from_env()


def metrics_namespace(env: Mapping[str, str] = os.environ) -> str:
    return env.get(METRICS_NAMESPACE, "").strip() or DEFAULT_METRICS_NAMESPACE


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is not set")
    return value


@dataclass(frozen=True)
class UsersSettings:
    table: str
    cors_origins: tuple[str, ...]

    @staticmethod
    def origins(env: Mapping[str, str]) -> tuple[str, ...]:
        origins = tuple(o.strip().rstrip("/") for o in env.get(CORS_ALLOWED_ORIGINS, "").split(",") if o.strip())
        if "*" in origins:
            raise ConfigurationError(f"{CORS_ALLOWED_ORIGINS} lists '*': name the allowed origins")
        return origins

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> UsersSettings:
        return cls(table=_required(env, USERS_TABLE), cors_origins=cls.origins(env))


@cache
def users_settings() -> UsersSettings:
    return UsersSettings.from_env()


_ALGORITHMS = {"hs256": ("HS256",), "jwks": ("RS256", "ES256")}


def _url(env: Mapping[str, str], name: str) -> str:
    from urllib.parse import urlsplit

    value = _required(env, name)
    parts = urlsplit(value)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ConfigurationError(f"{name}={value!r} must be an https URL (http only for localhost)")
    return value


@dataclass(frozen=True)
class AuthSettings:
    """HS256 with a Secrets Manager secret, or RS256/ES256 against a JWKS URL."""

    mode: str
    algorithms: tuple[str, ...]
    issuer: str
    audience: str
    leeway: int
    secret_id: str | None
    jwks_url: str | None
    secret_cache_seconds: int
    jwks_cache_seconds: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> AuthSettings:
        mode = env.get(JWT_MODE, "hs256").strip().lower()
        if mode not in _ALGORITHMS:
            raise ConfigurationError(f"{JWT_MODE}={mode!r} must be hs256 or jwks")
        return cls(
            mode=mode,
            algorithms=_ALGORITHMS[mode],
            issuer=_required(env, JWT_ISSUER),
            audience=_required(env, JWT_AUDIENCE),
            leeway=_int(env, JWT_LEEWAY_SECONDS, 30, minimum=0, maximum=300),
            secret_id=_required(env, JWT_SECRET_ID) if mode == "hs256" else None,
            jwks_url=_url(env, JWKS_URL) if mode == "jwks" else None,
            secret_cache_seconds=_int(env, SECRET_CACHE_SECONDS, 300, minimum=0, maximum=3600),
            jwks_cache_seconds=_int(env, JWKS_CACHE_SECONDS, 600, minimum=0, maximum=86400),
        )


@cache
def auth_settings() -> AuthSettings:
    return AuthSettings.from_env()


def _names(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in env.get(name, "").split(",") if n.strip())


@dataclass(frozen=True)
class SlackSettings:
    signing_secret_id: str
    secret_cache_seconds: int
    weather_url: str
    weather_timeout: float
    status_tables: tuple[str, ...]
    status_functions: tuple[str, ...]

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> SlackSettings:
        weather_url = _url(env, WEATHER_URL)
        if "{place}" not in weather_url:
            raise ConfigurationError(f"{WEATHER_URL} must contain {{place}} where the place goes")
        return cls(
            signing_secret_id=_required(env, SLACK_SIGNING_SECRET_ID),
            secret_cache_seconds=_int(env, SECRET_CACHE_SECONDS, 300, minimum=0, maximum=3600),
            weather_url=weather_url,
            weather_timeout=_int(env, WEATHER_TIMEOUT_SECONDS, 2, minimum=1, maximum=10),
            status_tables=_names(env, STATUS_TABLES),
            status_functions=_names(env, STATUS_FUNCTIONS),
        )


@cache
def slack_settings() -> SlackSettings:
    return SlackSettings.from_env()


def _decimal(env: Mapping[str, str], name: str, default: str) -> Decimal:
    raw = env.get(name, default)
    try:
        value = Decimal(raw)
    except ArithmeticError:
        raise ConfigurationError(f"{name}={raw!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise ConfigurationError(f"{name}={raw!r} must be a non-negative number")
    return value


@dataclass(frozen=True)
class EtlSettings:
    table: str
    incoming_prefix: str
    report_prefix: str
    max_file_bytes: int
    time_margin_seconds: int
    write_lanes: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> EtlSettings:
        return cls(
            table=_required(env, SALES_TABLE),
            incoming_prefix=_prefix(env, ETL_INCOMING_PREFIX, "incoming/"),
            report_prefix=_prefix(env, ETL_REPORT_PREFIX, "reports/"),
            max_file_bytes=_int(env, ETL_MAX_FILE_BYTES, 100 * 1000 * 1000, minimum=1024, maximum=5 << 30),
            time_margin_seconds=_int(env, TIME_MARGIN_SECONDS, 15, minimum=1, maximum=300),
            write_lanes=_int(env, ETL_WRITE_LANES, 4, minimum=1, maximum=16),
        )


@dataclass(frozen=True)
class OrderSettings:
    threshold: Decimal
    topic_arn: str
    idempotency_table: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> OrderSettings:
        return cls(
            threshold=_decimal(env, ORDER_ALERT_THRESHOLD, "1000"),
            topic_arn=_required(env, ALERTS_TOPIC_ARN),
            idempotency_table=_required(env, IDEMPOTENCY_TABLE),
        )


@dataclass(frozen=True)
class SweepSettings:
    table: str
    page_size: int
    time_margin_seconds: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> SweepSettings:
        return cls(
            table=_required(env, SESSIONS_TABLE),
            page_size=_int(env, SWEEP_PAGE_SIZE, 1000, minimum=25, maximum=10000),
            time_margin_seconds=_int(env, TIME_MARGIN_SECONDS, 10, minimum=1, maximum=300),
        )


@dataclass(frozen=True)
class ScraperSettings:
    products_parameter: str
    prices_table: str
    topic_arn: str
    idempotency_table: str
    drop_percent: Decimal
    allow_hosts: tuple[str, ...]
    host_delay_seconds: float
    timeout_seconds: int
    time_margin_seconds: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> ScraperSettings:
        return cls(
            products_parameter=_required(env, PRODUCTS_PARAMETER),
            prices_table=_required(env, PRICES_TABLE),
            topic_arn=_required(env, ALERTS_TOPIC_ARN),
            idempotency_table=_required(env, IDEMPOTENCY_TABLE),
            drop_percent=_decimal(env, PRICE_DROP_PERCENT, "10"),
            allow_hosts=_names(env, SCRAPER_ALLOW_HOSTS),
            host_delay_seconds=float(_decimal(env, SCRAPER_HOST_DELAY_SECONDS, "1")),
            timeout_seconds=_int(env, SCRAPER_TIMEOUT_SECONDS, 10, minimum=1, maximum=60),
            time_margin_seconds=_int(env, TIME_MARGIN_SECONDS, 10, minimum=1, maximum=300),
        )


@cache
def etl_settings() -> EtlSettings:
    return EtlSettings.from_env()


@cache
def order_settings() -> OrderSettings:
    return OrderSettings.from_env()


@cache
def sweep_settings() -> SweepSettings:
    return SweepSettings.from_env()


@cache
def scraper_settings() -> ScraperSettings:
    return ScraperSettings.from_env()


@dataclass(frozen=True)
class CheckoutSettings:
    queue_url: str
    cors_origins: tuple[str, ...]

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> CheckoutSettings:
        return cls(queue_url=_required(env, WORK_QUEUE_URL), cors_origins=UsersSettings.origins(env))


@dataclass(frozen=True)
class WorkerSettings:
    workflow_arn: str
    fulfilments_table: str
    idempotency_table: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> WorkerSettings:
        return cls(
            workflow_arn=_required(env, WORKFLOW_ARN),
            fulfilments_table=_required(env, FULFILMENTS_TABLE),
            idempotency_table=_required(env, IDEMPOTENCY_TABLE),
        )


@dataclass(frozen=True)
class WorkflowSettings:
    status_table: str
    events_topic_arn: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> WorkflowSettings:
        return cls(
            status_table=_required(env, ORDER_STATUS_TABLE), events_topic_arn=_required(env, ORDER_EVENTS_TOPIC_ARN)
        )


@cache
def checkout_settings() -> CheckoutSettings:
    return CheckoutSettings.from_env()


@cache
def worker_settings() -> WorkerSettings:
    return WorkerSettings.from_env()


@cache
def workflow_settings() -> WorkflowSettings:
    return WorkflowSettings.from_env()
