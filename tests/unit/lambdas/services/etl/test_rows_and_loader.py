"""CSV rows to sales: validation, streaming, batching, idempotent order, the report."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from lambdas.services.etl.loader import BATCH, MAX_LISTED_REJECTIONS, LoadReport, OutOfTime, load
from lambdas.services.etl.rows import BadHeader, Rejection, Sale, parse_sales
from lambdas.services.etl.text import DecodedText

HEADER = "id,date,amount,region,product\n"


def rows(text: str) -> list:
    return list(parse_sales(iter(text.splitlines(keepends=True))))


@pytest.mark.documents("services.md", "Streamed, checked rows")
def test_good_rows_are_transformed() -> None:
    (sale,) = rows(HEADER + "s-1,2026-11-27,1299.99,eu-west,Kettle\n")
    assert sale == Sale("s-1", "2026-11-27", Decimal("1299.99"), "EU-WEST", "Kettle")


@pytest.mark.documents("services.md", "Streamed, checked rows")
def test_columns_may_come_in_any_order_with_extras_and_a_bom() -> None:
    (sale,) = rows("\ufeffProduct,Region,Amount,Notes,Date,ID\nLamp,us,5,fragile,2026-01-02,x-9\n")
    assert (sale.sale_id, sale.region, sale.amount, sale.product) == ("x-9", "US", Decimal("5"), "Lamp")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("s-1,27/11/2026,1,eu,K", "is not an ISO date"),
        ("s-1,2026-02-30,1,eu,K", "is not an ISO date"),
        ("s-1,2026-11-27,1.299,eu,K", None),  # a plain decimal: accepted
        ('s-1,2026-11-27,"1,299.00",eu,K', "not a plain decimal"),
        ("s-1,2026-11-27,12.345678,eu,K", "more than 4 decimals"),
        ("s-1,2026-11-27,NaN,eu,K", "not a plain decimal"),
        ("s-1,2026-11-27,1e9,eu,K", "not a plain decimal"),
        (",2026-11-27,1,eu,K", "id must be"),
        ("s 1,2026-11-27,1,eu,K", "id must be"),
        ("s-1,2026-11-27,1,,K", "region must be"),
        ("s-1,2026-11-27,1,eu,", "product must be"),
        ("s-1,2026-11-27", "has 2 fields"),
    ],
)
@pytest.mark.documents("services.md", "Streamed, checked rows")
def test_bad_rows_are_rejected_with_a_reason(line: str, reason: str | None) -> None:
    (result,) = rows(HEADER + line + "\n")
    if reason is None:
        assert isinstance(result, Sale)
    else:
        assert isinstance(result, Rejection)
        assert reason in result.reason
        assert result.line == 2


def test_line_numbers_count_physical_lines_with_quoted_newlines() -> None:
    text = HEADER + 's-1,2026-11-27,1,eu,"two\nlines"\n' + "s-2,bad,1,eu,K\n"
    results = rows(text)
    assert isinstance(results[0], Sale) and results[0].product == "two\nlines"
    assert results[1] == Rejection(4, "date 'bad' is not an ISO date (YYYY-MM-DD)")


def test_blank_lines_are_skipped() -> None:
    assert len(rows(HEADER + "\n\n s-1,2026-11-27,1,eu,K\n,,,,\n")) == 1


@pytest.mark.parametrize(("text", "message"), [("", "empty"), ("id,date,amount\n", "lacks column(s) region, product")])
def test_a_file_without_the_header_is_refused_whole(text: str, message: str) -> None:
    with pytest.raises(BadHeader, match=re.escape(message)):
        rows(text)


def sales(*ids: str) -> list[Sale]:
    return [Sale(i, "2026-11-27", Decimal("1"), "EU", "K") for i in ids]


@pytest.mark.documents("services.md", "Batched writes, in file order per id")
def test_writes_go_in_batches_of_25() -> None:
    batches: list[list[str]] = []
    report = load(sales(*[f"s{n}" for n in range(60)]), lambda b: batches.append([s.sale_id for s in b]),
                  LoadReport("src"), out_of_time=lambda: False)  # fmt: skip
    assert [len(b) for b in batches] == [BATCH, BATCH, 10]
    assert (report.rows_read, report.rows_loaded, report.status) == (60, 60, "complete")


@pytest.mark.documents("services.md", "Batched writes, in file order per id")
def test_a_repeated_id_flushes_first_so_the_later_row_wins() -> None:
    batches: list[list[Sale]] = []
    first, second = (
        Sale("dup", "2026-01-01", Decimal("1"), "EU", "old"),
        Sale("dup", "2026-01-02", Decimal("2"), "EU", "new"),
    )
    load([first, *sales("a"), second], batches.append, LoadReport("src"), out_of_time=lambda: False)
    assert [[s.product for s in b] for b in batches] == [["old", "K"], ["new"]]


def test_running_out_of_time_stops_loudly() -> None:
    report = LoadReport("src")
    with pytest.raises(OutOfTime):
        load(sales(*[f"s{n}" for n in range(100)]), lambda b: None, report, out_of_time=lambda: True)
    assert (report.status, report.rows_loaded) == ("incomplete", BATCH)


@pytest.mark.documents("services.md", "A report for every file")
def test_the_report_lists_a_bounded_number_of_rejections() -> None:
    report = load([Rejection(n, "bad") for n in range(MAX_LISTED_REJECTIONS + 5)], lambda b: None, LoadReport("src"),
                  out_of_time=lambda: False)  # fmt: skip
    data = report.to_json()
    assert (data["rows_rejected"], len(data["rejections"]), data["rejections_not_listed"]) == (
        MAX_LISTED_REJECTIONS + 5,
        MAX_LISTED_REJECTIONS,
        5,
    )


@pytest.mark.documents("services.md", "Batched writes, in file order per id")
def test_parallel_lanes_keep_the_files_order_for_each_id() -> None:
    import random
    import threading
    import time as clock

    stored: dict[str, str] = {}
    lock = threading.Lock()

    def slow_writer(batch: list[Sale]) -> None:
        clock.sleep(random.uniform(0, 0.003))
        with lock:
            for sale in batch:
                stored[sale.sale_id] = sale.product

    ids = [f"id{n % 37}" for n in range(2000)]  # every id repeats many times, far apart
    rows_in = [Sale(i, "2026-11-27", Decimal("1"), "EU", f"version {n}") for n, i in enumerate(ids)]
    report = load(rows_in, slow_writer, LoadReport("src"), out_of_time=lambda: False, lanes=4, max_pending=3)
    last = {}
    for sale in rows_in:
        last[sale.sale_id] = sale.product
    assert stored == last
    assert report.rows_loaded == len(rows_in)


def test_a_failing_write_stops_the_load_with_its_error() -> None:
    def failing(batch: list[Sale]) -> None:
        raise RuntimeError("DynamoDB is down")

    with pytest.raises(RuntimeError, match="DynamoDB is down"):
        load(sales(*[f"s{n}" for n in range(200)]), failing, LoadReport("src"), out_of_time=lambda: False, lanes=3)


@pytest.mark.parametrize(
    ("amount", "accepted"),
    [("999999999999.9999", True), ("-999999999999.9999", True), ("1000000000000", False),
     ("1" + "0" * 39, False), ("-" + "9" * 40, False)],
)  # fmt: skip
def test_amounts_past_the_cap_are_their_rows_rejection(amount: str, accepted: bool) -> None:
    # DynamoDB numbers hold 38 digits: a 40-digit amount reaching BatchWriteItem fails the whole batch.
    parsed = rows(HEADER + f"s-1,2026-11-27,1,eu,K\ns-2,2026-11-27,{amount},eu,K\ns-3,2026-11-27,3,eu,K\n")
    assert [type(row).__name__ for row in parsed] == ["Sale", "Sale" if accepted else "Rejection", "Sale"]
    if not accepted:
        assert parsed[1] == Rejection(3, f"amount {amount[:40]!r} is too large (at most 12 digits before the point)")


@pytest.mark.documents("services.md", "Encodings")
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("chunk", [1, 2, 7, 4096])
def test_any_line_ending_and_any_chunking_read_the_same_rows(newline: str, chunk: int) -> None:
    # GIVEN a file whose line 3 holds a byte invalid in UTF-8, cut into chunks of every size
    text = newline.join([HEADER.strip(), "a,2026-01-01,1,eu,Kettle", "b,2026-01-02,2,eu,Caf\udce9",
                         '"c",2026-01-03,3,eu,"Two' + newline + 'lines"', "d,2026-01-04,4,eu,Lamp"]) + newline  # fmt: skip
    data = text.encode("utf-8", "surrogateescape")
    decoded = DecodedText(data[i : i + chunk] for i in range(0, len(data), chunk))
    # WHEN it is read as the function reads it
    parsed = list(parse_sales(decoded.lines(), decoded.invalid))
    # THEN the same sales, and the invalid byte named on its own line
    assert [s.sale_id for s in parsed if isinstance(s, Sale)] == ["a", "c", "d"]
    (rejection,) = [r for r in parsed if isinstance(r, Rejection)]
    assert rejection.line == 3 and "byte 0xe9" in rejection.reason
    assert [s.product for s in parsed if isinstance(s, Sale)][1] == f"Two{newline}lines"
