from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from toolchain.packaging.zipper import ZIP_EPOCH, Entry, write_zip


def entries(order: list[str]) -> list[Entry]:
    data = {"b.py": b"B", "a/x.py": b"X" * 1000, "run.sh": b"#!/bin/sh\n"}
    return [Entry(name, read=lambda n=name: data[n], executable=name.endswith(".sh")) for name in order]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.documents("packaging.md", "Deterministic")
def test_same_entries_in_any_order_give_the_same_bytes(tmp_path: Path) -> None:
    write_zip(tmp_path / "one.zip", entries(["b.py", "a/x.py", "run.sh"]))
    write_zip(tmp_path / "two.zip", entries(["run.sh", "b.py", "a/x.py"]))
    assert digest(tmp_path / "one.zip") == digest(tmp_path / "two.zip")


@pytest.mark.documents("packaging.md", "Deterministic")
def test_metadata_is_normalised(tmp_path: Path) -> None:
    write_zip(tmp_path / "a.zip", entries(["b.py", "run.sh", "a/x.py"]))
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["a/x.py", "b.py", "run.sh"]
        assert {i.date_time for i in infos} == {ZIP_EPOCH}
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in infos}
        assert modes == {"a/x.py": 0o644, "b.py": 0o644, "run.sh": 0o755}
        assert {i.compress_type for i in infos} == {zipfile.ZIP_DEFLATED}
        assert archive.read("a/x.py") == b"X" * 1000


def test_duplicate_entries_are_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="duplicate archive entries: b.py"):
        write_zip(tmp_path / "dup.zip", entries(["b.py", "b.py"]))
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_the_previous_archive(tmp_path: Path) -> None:
    target = tmp_path / "a.zip"
    write_zip(target, entries(["b.py"]))
    before = digest(target)

    def boom() -> bytes:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_zip(target, [Entry("x", read=boom)])
    assert digest(target) == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.zip"]
