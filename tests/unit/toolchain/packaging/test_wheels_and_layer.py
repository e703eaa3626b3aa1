from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from toolchain.packaging.layer import LayerConflict, LayerContents
from toolchain.packaging.requirements import Pin
from toolchain.packaging.runtimes import Runtime
from toolchain.packaging.wheels import NoWheelForRuntime, PipFailed, WheelCache
from toolchain.reporting import RecordingReporter

from .conftest import FakePip, make_wheel

TARGET = Runtime.on_lambda("3.12", "x86_64")


@pytest.mark.documents("packaging.md", "Cache")
def test_missing_wheels_are_downloaded_once_then_served_from_the_cache(tmp_path: Path, wheel_index: Path) -> None:
    pip = FakePip(wheel_index)
    cache = WheelCache(tmp_path / "cache", pip, RecordingReporter())
    pins = [Pin("native", "2.0"), Pin("tinylib", "1.0")]
    first = cache.resolve(pins, TARGET)
    second = cache.resolve(pins, TARGET)
    assert pip.calls == [["native==2.0", "tinylib==1.0"]]
    assert [w.path.name for w in first] == [w.path.name for w in second]
    # The macOS wheel of the same version sits in the cache too, but is not for this target.
    assert first[0].path.name == "native-2.0-cp312-cp312-manylinux_2_17_x86_64.whl"


def test_only_what_is_missing_is_downloaded(tmp_path: Path, wheel_index: Path) -> None:
    pip = FakePip(wheel_index)
    cache = WheelCache(tmp_path / "cache", pip, RecordingReporter())
    cache.resolve([Pin("tinylib", "1.0")], TARGET)
    cache.resolve([Pin("tinylib", "1.0"), Pin("native", "2.0")], TARGET)
    assert pip.calls == [["tinylib==1.0"], ["native==2.0"]]


@pytest.mark.documents("packaging.md", "Cache")
def test_a_package_without_a_wheel_for_the_target_names_it(tmp_path: Path, wheel_index: Path) -> None:
    make_wheel(wheel_index, "maconly", "1.0", "cp312-cp312-macosx_11_0_arm64", {"m.py": b""})
    cache = WheelCache(tmp_path / "cache", FakePip(wheel_index), RecordingReporter())
    with pytest.raises(NoWheelForRuntime) as caught:
        cache.resolve([Pin("maconly", "1.0")], TARGET)
    assert "maconly==1.0" in str(caught.value)
    assert "Lambda python3.12 x86_64" in str(caught.value)
    assert "invoke deps.lock" in caught.value.hint


def test_pip_saying_no_distribution_becomes_a_named_error(tmp_path: Path, wheel_index: Path) -> None:
    cache = WheelCache(tmp_path / "cache", FakePip(wheel_index), RecordingReporter())
    with pytest.raises(NoWheelForRuntime, match="no binary wheel of nonexistent==9"):
        cache.resolve([Pin("nonexistent", "9")], TARGET)


def test_other_pip_failures_point_at_the_network(tmp_path: Path) -> None:
    class OfflinePip:
        def download(self, requirements, dest, extra_args) -> None:
            raise PipFailed("ERROR: Could not install packages due to an OSError: Connection refused")

    cache = WheelCache(tmp_path / "cache", OfflinePip(), RecordingReporter())
    with pytest.raises(PipFailed) as caught:
        cache.resolve([Pin("tinylib", "1.0")], TARGET)
    assert "network" in caught.value.hint


@pytest.mark.documents("packaging.md", "One dependency layer")
def test_layer_layout_is_what_pip_would_install_without_byte_code(tmp_path: Path, wheel_index: Path) -> None:
    wheels = WheelCache(tmp_path / "cache", FakePip(wheel_index), RecordingReporter()).resolve(
        [Pin("native", "2.0"), Pin("tinylib", "1.0")], TARGET
    )
    with LayerContents(wheels) as entries:
        names = sorted(e.name for e in entries)
        content = {e.name: e.read() for e in entries}
    assert "python/native/_speedups.so" in names
    assert "python/native_extra.py" in names  # .data/purelib goes to the top level
    assert "python/tinylib/__init__.py" in names
    assert "python/native-2.0.dist-info/WHEEL" in names
    assert not any(n.endswith(".pyc") or "__pycache__" in n for n in names)
    assert not any("native-cli" in n or ".data/" in n for n in names)
    assert content["python/native_extra.py"] == b"EXTRA = True\n"


def test_two_packages_shipping_one_file_is_a_conflict(tmp_path: Path) -> None:
    index = tmp_path / "index"
    one = make_wheel(index, "one", "1.0", "py3-none-any", {"shared/x.py": b"1"})
    two = make_wheel(index, "two", "1.0", "py3-none-any", {"shared/x.py": b"2"})
    from toolchain.packaging.wheels import Wheel

    with pytest.raises(LayerConflict, match="both install shared/x.py"):  # noqa: SIM117
        with LayerContents([Wheel("one", "1.0", one), Wheel("two", "1.0", two)]):
            pass


def test_wheels_are_closed_after_the_layer_is_written(tmp_path: Path, wheel_index: Path) -> None:
    wheels = WheelCache(tmp_path / "cache", FakePip(wheel_index), RecordingReporter()).resolve(
        [Pin("tinylib", "1.0")], TARGET
    )
    contents = LayerContents(wheels)
    with contents as entries:
        assert entries
    with pytest.raises(ValueError, match="closed"):
        entries[0].read()
    assert zipfile.is_zipfile(wheels[0].path)
