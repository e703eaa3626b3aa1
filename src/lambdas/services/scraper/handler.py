"""Lambda entry point of the price scraper (EventBridge rate schedule)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from lambdas.common.budget import TimeBudget
from lambdas.common.observability import observe
from lambdas.services.scraper import settings
from lambdas.services.scraper.extract import extract_price
from lambdas.services.scraper.fetch import PoliteFetcher
from lambdas.services.scraper.service import Product, parse_products, run
from lambdas.services.scraper.storage import DynamoPriceHistory, load_products, price_alerts

observed = observe("scraper", tracing=("botocore", "requests"))


@cache
def fetcher() -> PoliteFetcher:
    config = settings.current()
    return PoliteFetcher(
        timeout=config.timeout_seconds, host_delay=config.host_delay_seconds, allow_hosts=config.allow_hosts
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _failed(product: Product, error: Exception) -> None:
    observed.logger.error(
        "product failed",
        extra={
            "product_id": product.product_id,
            "url": product.url,
            "error": getattr(error, "code", type(error).__name__),
            "reason": getattr(error, "message", str(error))[:300],
        },
    )


@observed.handler()
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    config = settings.current()
    products, problems = parse_products(load_products(config.products_parameter))
    for problem in problems:
        observed.logger.error("product list entry ignored", extra={"reason": problem})
    alerts = price_alerts(config.topic_arn, config.idempotency_table).within(context)

    def publish(drop: dict[str, Any]) -> None:
        # `name` is a LogRecord attribute: the product's name is logged under another key.
        details = {f"product_{k}" if k == "name" else k: v for k, v in drop.items()}
        observed.logger.info("price drop alerted", extra={**details, "message_id": alerts(drop)["message_id"]})

    budget = TimeBudget(context, config.time_margin_seconds)
    report = run(
        products,
        fetcher=fetcher(),
        extract=extract_price,
        history=DynamoPriceHistory(config.prices_table),
        alert=publish,
        now=_now,
        drop_percent=config.drop_percent,
        out_of_time=budget.exhausted,
        report_failure=_failed,
        seconds_for=lambda: min(float(config.product_seconds), budget.seconds_left()),
    )
    summary = report.__dict__ | {"products": len(products), "ignored_entries": len(problems)}
    (observed.logger.info if not report.failed and not report.skipped else observed.logger.warning)(
        "run finished", extra=summary
    )
    observed.count("ProductsChecked", report.checked)
    observed.count("ProductsFailed", report.failed)
    observed.count("PriceDropAlerts", report.alerts)
    return summary
