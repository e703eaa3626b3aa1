"""Lambda entry point of the CSV ETL: S3 ObjectCreated under incoming/ -> sales table + a report.

Bad rows are reported and skipped. An unusable file (no header, too large) gets a report with
status "rejected" and an error log line. Running out of time or AWS failing gets a report too and
is raised, so Lambda retries and finally hands the event to the on-failure queue: a file is never
half-loaded in silence. Reloading a file is harmless (idempotent writes).
"""

from __future__ import annotations

import posixpath
from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit
from aws_lambda_powertools.tracing import Tracer

from lambdas.common.budget import TimeBudget
from lambdas.common.events import S3ObjectRef, parse_s3_event
from lambdas.common.exceptions import InvalidEvent, PlatformError, RejectedInput
from lambdas.common.settings import EtlSettings, etl_settings, metrics_namespace
from lambdas.services.etl.loader import LoadReport, load
from lambdas.services.etl.rows import parse_sales
from lambdas.services.etl.storage import SalesTable, open_chunks, write_report
from lambdas.services.etl.text import DecodedText

SERVICE = "etl"
logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE, patch_modules=("botocore",))
metrics = Metrics(namespace=metrics_namespace(), service=SERVICE)


def report_key(source_key: str, settings: EtlSettings) -> str:
    relative = source_key[len(settings.incoming_prefix) :]
    return settings.report_prefix + posixpath.splitext(relative)[0] + ".report.json"


def load_file(ref: S3ObjectRef, settings: EtlSettings, context: Any) -> LoadReport:
    source = f"s3://{ref.bucket}/{ref.key}"
    report = LoadReport(source)
    budget = TimeBudget(context, settings.time_margin_seconds)
    text = DecodedText(open_chunks(ref, settings.max_file_bytes))
    try:
        rows = parse_sales(text.lines())
        table = SalesTable(settings.table, source)
        load(rows, table.write, report, out_of_time=budget.exhausted, lanes=settings.write_lanes)
    except RejectedInput as exc:  # the file itself is unusable: a retry would fail the same way
        report.status = "rejected"
        report.error = f"{exc.code}: {exc.message}"
    except PlatformError as exc:  # out of time, or AWS failing: raise, so Lambda retries
        report.status = "incomplete" if report.status == "incomplete" else "failed"
        report.error = f"{exc.code}: {exc.message}"
        raise
    finally:
        report.encoding = text.encoding
        write_report(ref.bucket, report_key(ref.key, settings), report.to_json())
        summary = {k: v for k, v in report.to_json().items() if k != "rejections"}
        # Rows refused (or none at all) are the producer's problem to hear about: a warning, not info.
        clean = report.status == "complete" and report.rows_rejected == 0 and report.rows_read > 0
        log = logger.info if clean else logger.warning if report.status == "complete" else logger.error
        log("file processed", extra={**summary, "first_rejections": report.rejections[:5]})
        metrics.add_metric(name="RowsLoaded", unit=MetricUnit.Count, value=report.rows_loaded)
        metrics.add_metric(name="RowsRejected", unit=MetricUnit.Count, value=report.rows_rejected)
    return report


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    settings = etl_settings()
    try:
        refs = parse_s3_event(event)
    except InvalidEvent as exc:
        logger.error("event rejected", extra={"error": exc.code, "reason": exc.message})
        return {"files": [], "rejected": [{"error": exc.code, "reason": exc.message}]}
    files = []
    for ref in refs:
        if not ref.key.startswith(settings.incoming_prefix):
            logger.warning("object ignored", extra={"key": ref.key, "reason": f"not under {settings.incoming_prefix}"})
            continue
        if not ref.key.lower().endswith(".csv"):
            logger.warning("object ignored", extra={"key": ref.key, "reason": "not a .csv file (in any letter case)"})
            continue
        report = load_file(ref, settings, context)
        files.append({k: v for k, v in report.to_json().items() if k != "rejections"})
    return {"files": files}
