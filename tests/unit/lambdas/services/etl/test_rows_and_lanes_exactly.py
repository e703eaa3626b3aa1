"""The ETL's edges, exactly: zero amounts, the product's length, the quoted part of a bad date, line
numbers of undecodable lines when the rows are read without DecodedText, the item written per
sale, and which thread writes each lane."""

from __future__ import annotations

import threading
import zlib
from decimal import Decimal

import pytest

from lambdas.services.etl.loader import LoadReport, load
from lambdas.services.etl.rows import Rejection, Sale, parse_sales
from lambdas.services.etl.storage import sale_item

HEADER = "id,date,amount,region,product\n"


def rows(*lines: str) -> list[Sale | Rejection]:
    return list(parse_sales(iter([HEADER, *lines])))


@pytest.mark.parametrize("amount", ["0", "0.0000", "-0.50"])
def test_zero_and_negative_amounts_are_sales(amount: str) -> None:
    (sale,) = rows(f"s-1,2026-11-27,{amount},eu,Tea\n")
    assert isinstance(sale, Sale) and sale.amount == Decimal(amount)


def test_a_product_of_200_characters_is_a_sale_and_201_a_rejection() -> None:
    fits, over = rows(f"s-1,2026-11-27,1,eu,{'p' * 200}\n", f"s-2,2026-11-27,1,eu,{'p' * 201}\n")
    assert isinstance(fits, Sale) and len(fits.product) == 200
    assert over == Rejection(3, "product must be 1-200 characters")


def test_a_bad_date_is_quoted_to_40_characters() -> None:
    (rejected,) = rows(f"s-1,{'9' * 60},1,eu,Tea\n")
    assert isinstance(rejected, Rejection)
    assert rejected.reason.startswith(f"date {'9' * 40!r} is not")


def test_undecodable_lines_are_rejected_by_number_without_decoded_text() -> None:
    # lines as DecodedText marks bytes invalid in the encoding (U+DC00 + byte), but read directly
    found = rows("s-1,2026-11-27,1,eu,Tea\n", "s-2,2026-11-27,1,eu,Caf\udce9\n", "s-3,2026-11-27,1,eu,Tea\n")
    assert [type(r).__name__ for r in found] == ["Sale", "Rejection", "Sale"]
    assert found[1] == Rejection(
        3,
        "byte 0xe9 at column 24 is not valid in the file's encoding; save the file as "
        "UTF-8 (or UTF-16 with a byte-order mark)",
    )


def test_a_sale_is_written_as_this_item() -> None:
    sale = Sale("s-1", "2026-11-27", Decimal("12.50"), "EU", "Tea")
    assert sale_item(sale, "incoming/a.csv") == {
        "id": {"S": "s-1"}, "date": {"S": "2026-11-27"}, "amount": {"N": "12.50"}, "region": {"S": "EU"},
        "product": {"S": "Tea"}, "source": {"S": "incoming/a.csv"},
    }  # fmt: skip


@pytest.mark.parametrize("lanes", [2, 3])
def test_each_id_is_written_on_its_own_lanes_thread(lanes: int) -> None:
    writers: dict[str, set[str]] = {}
    lock = threading.Lock()

    def write(batch: list[Sale]) -> None:
        with lock:
            for sale in batch:
                writers.setdefault(sale.sale_id, set()).add(threading.current_thread().name)

    sales = [Sale(f"id{n}", "2026-11-27", Decimal("1"), "EU", "p") for n in range(600)]
    load(sales, write, LoadReport("src"), out_of_time=lambda: False, lanes=lanes, max_pending=2)
    for sale_id, threads in writers.items():
        (thread,) = threads
        assert thread.startswith(f"lane{zlib.crc32(sale_id.encode()) % lanes}_")
    assert {t.split("_")[0] for ts in writers.values() for t in ts} == {f"lane{n}" for n in range(lanes)}


def test_one_lane_writes_in_the_callers_thread() -> None:
    threads: set[str] = set()
    sales = [Sale(f"id{n}", "2026-11-27", Decimal("1"), "EU", "p") for n in range(100)]
    load(sales, lambda batch: threads.add(threading.current_thread().name), LoadReport("src"),
         out_of_time=lambda: False, lanes=1)  # fmt: skip
    assert threads == {threading.current_thread().name}


@pytest.mark.parametrize(("lanes", "lane_threads"), [(1, False), (3, True)])
def test_a_file_is_written_on_as_many_lanes_as_its_settings_say(lanes: int, lane_threads: bool) -> None:
    from lambdas.common.events import S3ObjectRef
    from lambdas.services.etl.service import load_file
    from lambdas.services.etl.settings import EtlSettings

    settings = EtlSettings.from_env({"SALES_TABLE": "sales", "ETL_WRITE_LANES": str(lanes)})
    body = (HEADER + "".join(f"s-{n},2026-11-27,1,eu,Tea\n" for n in range(300))).encode()
    threads: set[str] = set()
    report = load_file(S3ObjectRef("b", "incoming/a.csv"), settings, LoadReport("incoming/a.csv"), chunks=[body],
                       write_batch=lambda batch: threads.add(threading.current_thread().name),
                       write_report=lambda key, doc: None, out_of_time=lambda: False)  # fmt: skip
    assert report.rows_loaded == 300
    assert all(t.startswith("lane") for t in threads) is lane_threads
    assert len({t.split("_")[0] for t in threads}) == (lanes if lane_threads else 1)
