"""Lambda entry point of the CSV ETL: S3 ObjectCreated under incoming/ -> sales table + a report."""

from __future__ import annotations

from typing import Any

from lambdas.common.budget import TimeBudget
from lambdas.common.events import S3ObjectRef, parse_s3_event
from lambdas.common.exceptions import InvalidEvent
from lambdas.common.observability import observe
from lambdas.services.etl import settings
from lambdas.services.etl.loader import LoadReport
from lambdas.services.etl.service import load_file, wanted
from lambdas.services.etl.storage import SalesTable, open_chunks, write_report

observed = observe("etl")


def _load(ref: S3ObjectRef, context: Any) -> LoadReport:
    config = settings.current()
    report = LoadReport(f"s3://{ref.bucket}/{ref.key}")
    try:
        load_file(
            ref,
            config,
            report,
            chunks=open_chunks(ref, config.max_file_bytes),
            write_batch=SalesTable(config.table, report.source).write,
            write_report=lambda key, body: write_report(ref.bucket, key, body),
            out_of_time=TimeBudget(context, config.time_margin_seconds).exhausted,
        )
    finally:
        _log(report)
    return report


def _log(report: LoadReport) -> None:
    summary = {k: v for k, v in report.to_json().items() if k != "rejections"}
    # Rows refused (or none at all) are the producer's problem to hear about: a warning, not info.
    clean = report.status == "complete" and report.rows_rejected == 0 and report.rows_read > 0
    logger = observed.logger
    log = logger.info if clean else logger.warning if report.status == "complete" else logger.error
    log("file processed", extra={**summary, "first_rejections": report.rejections[:5]})
    observed.count("RowsLoaded", report.rows_loaded)
    observed.count("RowsRejected", report.rows_rejected)


@observed.handler()
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        refs = parse_s3_event(event)
    except InvalidEvent as exc:
        observed.rejected(exc)
        return {"files": [], "rejected": [{"error": exc.code, "reason": exc.message}]}
    files = []
    for ref in refs:
        reason = wanted(ref.key, settings.current())
        if reason is not None:
            observed.logger.warning("object ignored", extra={"key": ref.key, "reason": reason})
            continue
        report = _load(ref, context)
        files.append({k: v for k, v in report.to_json().items() if k != "rejections"})
    return {"files": files}
