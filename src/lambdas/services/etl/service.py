"""Loading one sales file: decode, parse, load in batches, report. The AWS side is passed in.

Bad rows are reported and skipped. An unusable file (no header, too large, another encoding) gets a
report with status "rejected". Running out of time or AWS failing gets a report too and is raised,
so Lambda retries and finally hands the event to the on-failure queue: a file is never half-loaded
in silence. Reloading a file is harmless (idempotent writes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from lambdas.common.events import S3ObjectRef
from lambdas.common.exceptions import PlatformError, RejectedInput
from lambdas.services.etl.loader import LoadReport, load
from lambdas.services.etl.rows import Sale, parse_sales
from lambdas.services.etl.settings import EtlSettings
from lambdas.services.etl.text import DecodedText


def report_key(source_key: str, settings: EtlSettings) -> str:
    """The report of `source_key`: its whole relative key plus `.report.json` (sales/x.csv ->
    reports/sales/x.csv.report.json). Dropping the extension would give x.csv and x.CSV one report."""
    return settings.report_prefix + source_key[len(settings.incoming_prefix) :] + ".report.json"


def wanted(key: str, settings: EtlSettings) -> str | None:
    """Why an object is not a file to load (None: it is one). `.csv` in any letter case is."""
    if not key.startswith(settings.incoming_prefix):
        return f"not under {settings.incoming_prefix}"
    if not key.lower().endswith(".csv"):
        return "not a .csv file (in any letter case)"
    return None


def load_file(
    ref: S3ObjectRef,
    settings: EtlSettings,
    report: LoadReport,
    *,
    chunks: Iterable[bytes],
    write_batch: Callable[[list[Sale]], None],
    write_report: Callable[[str, dict[str, Any]], None],
    out_of_time: Callable[[], bool],
) -> LoadReport:
    text = DecodedText(chunks)
    try:
        load(
            parse_sales(text.lines(), text.invalid),
            write_batch,
            report,
            out_of_time=out_of_time,
            lanes=settings.write_lanes,
        )
    except RejectedInput as exc:  # the file itself is unusable: a retry would fail the same way
        report.status = "rejected"
        report.error = f"{exc.code}: {exc.message}"
    except PlatformError as exc:  # out of time, or AWS failing: raise, so Lambda retries
        report.status = "incomplete" if report.status == "incomplete" else "failed"
        report.error = f"{exc.code}: {exc.message}"
        raise
    finally:
        report.encoding = text.encoding
        write_report(report_key(ref.key, settings), report.to_json())
    return report
