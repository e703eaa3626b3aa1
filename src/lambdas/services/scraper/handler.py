"""Lambda entry point of the price scraper (EventBridge rate schedule)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit
from aws_lambda_powertools.tracing import Tracer

from lambdas.common.budget import TimeBudget
from lambdas.common.settings import metrics_namespace, scraper_settings
from lambdas.services.scraper.extract import extract_price
from lambdas.services.scraper.fetch import PoliteFetcher
from lambdas.services.scraper.service import Product, parse_products, run
from lambdas.services.scraper.storage import DynamoPriceHistory, load_products, price_alert

SERVICE = "scraper"
logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE, patch_modules=("botocore", "requests"))
metrics = Metrics(namespace=metrics_namespace(), service=SERVICE)


@cache
def fetcher() -> PoliteFetcher:
    settings = scraper_settings()
    return PoliteFetcher(
        timeout=settings.timeout_seconds, host_delay=settings.host_delay_seconds, allow_hosts=settings.allow_hosts
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _failed(product: Product, error: Exception) -> None:
    reason = getattr(error, "message", str(error))[:300]
    code = getattr(error, "code", type(error).__name__)
    details = {"product_id": product.product_id, "url": product.url, "error": code, "reason": reason}
    logger.error("product failed", extra=details)


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    settings = scraper_settings()
    products, problems = parse_products(load_products(settings.products_parameter))
    for problem in problems:
        logger.error("product list entry ignored", extra={"reason": problem})
    alert, config = price_alert(settings.topic_arn, settings.idempotency_table)
    config.register_lambda_context(context)

    def publish(drop: dict[str, Any]) -> None:
        result = alert(drop=drop)
        # `name` is a LogRecord attribute: the product's name is logged under another key.
        details = {f"product_{k}" if k == "name" else k: v for k, v in drop.items()}
        logger.info("price drop alerted", extra={**details, "message_id": result["message_id"]})

    report = run(
        products,
        fetcher=fetcher(),
        extract=extract_price,
        history=DynamoPriceHistory(settings.prices_table),
        alert=publish,
        now=_now,
        drop_percent=settings.drop_percent,
        out_of_time=TimeBudget(context, settings.time_margin_seconds).exhausted,
        report_failure=_failed,
    )
    summary = report.__dict__ | {"products": len(products), "ignored_entries": len(problems)}
    (logger.info if not report.failed and not report.skipped else logger.warning)("run finished", extra=summary)
    metrics.add_metric(name="ProductsChecked", unit=MetricUnit.Count, value=report.checked)
    metrics.add_metric(name="ProductsFailed", unit=MetricUnit.Count, value=report.failed)
    metrics.add_metric(name="PriceDropAlerts", unit=MetricUnit.Count, value=report.alerts)
    return summary
