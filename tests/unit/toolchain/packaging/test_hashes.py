"""The supply chain of the layer: every pin carries its wheels' sha256, pip downloads with
--require-hashes, and a wheel in the shared cache that is not the locked one is refused."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from tests.conftest import ROOT
from toolchain.errors import ConfigError, ToolchainError
from toolchain.packaging.lock import resolve_lock, unhashed_pins
from toolchain.packaging.requirements import Pin, read_pins
from toolchain.packaging.runtimes import Runtime
from toolchain.packaging.wheels import SubprocessPip, WheelCache, WheelHashMismatch
from toolchain.reporting import RecordingReporter

from .conftest import FakePip

TARGET = Runtime.on_lambda("3.12", "x86_64")
A, B = "a" * 64, "b" * 64


def test_pins_read_their_hashes_across_continuation_lines(tmp_path: Path) -> None:
    lock = tmp_path / "layer.txt"
    lock.write_text(f"# header\ntinylib==1.0 \\\n    --hash=sha256:{A} \\\n    --hash=sha256:{B}\nother==2  # why\n")
    assert read_pins(lock) == [Pin("other", "2"), Pin("tinylib", "1.0")]
    assert read_pins(lock)[1].hashes == (A, B) and read_pins(lock)[1].requirement().endswith(f"--hash=sha256:{B}")
    lock.write_text("tinylib==1.0 --hash=md5:1234\n")
    with pytest.raises(ConfigError, match="is not --hash=sha256"):
        read_pins(lock)


def test_the_repository_lock_names_a_hash_for_every_pin() -> None:
    pins = read_pins(ROOT / "requirements/layer.txt")
    assert pins and all(len(p.hashes) >= 1 for p in pins)


def test_a_tampered_wheel_in_the_cache_is_refused(tmp_path: Path, wheel_index: Path) -> None:
    wheel = next(wheel_index.glob("tinylib-*.whl"))
    locked = Pin("tinylib", "1.0", (hashlib.sha256(wheel.read_bytes()).hexdigest(),))
    cache = WheelCache(tmp_path / "cache", FakePip(wheel_index), RecordingReporter())
    (resolved,) = cache.resolve([locked], TARGET)
    with resolved.path.open("ab") as file:  # GIVEN someone appends to the cached wheel
        file.write(b"payload")
    with pytest.raises(WheelHashMismatch, match="does not name for tinylib==1.0") as refused:
        cache.resolve([locked], TARGET)
    assert "delete it" in refused.value.hint


def test_pip_downloads_through_a_requirements_file_with_require_hashes(tmp_path: Path) -> None:
    fake_python = tmp_path / "python"
    log = tmp_path / "log"
    fake_python.write_text(f'#!/bin/sh\necho "$@" > {log}\nwhile [ "$1" != "-r" ]; do shift; done\ncat "$2" >> {log}\n')
    fake_python.chmod(fake_python.stat().st_mode | stat.S_IEXEC)
    SubprocessPip(str(fake_python)).download(
        [Pin("tinylib", "1.0", (A,)).requirement()], tmp_path, ["--only-binary=:all:"]
    )
    arguments, requirement = log.read_text().splitlines()
    assert "--require-hashes" in arguments.split() and requirement == f"tinylib==1.0 --hash=sha256:{A}"
    assert not (tmp_path / "requirements.txt").exists()


def test_the_lock_joins_both_architectures_hashes_and_refuses_diverging_versions(tmp_path: Path) -> None:
    def report(_: Path, runtime: Runtime) -> list[dict]:
        digest = A if runtime.architecture == "x86_64" else B
        return [{"metadata": {"name": "Native_Lib", "version": "2.0"}, "download_info": {"archive_info": {"hashes": {"sha256": digest}}}},
                {"metadata": {"name": "boto3", "version": "1.0"}, "download_info": {"archive_info": {"hash": f"sha256={A}"}}}]  # fmt: skip

    runtimes = [TARGET, Runtime.on_lambda("3.12", "arm64")]
    text = resolve_lock(tmp_path / "layer.in", runtimes, ("boto3",), report=report)
    (tmp_path / "layer.txt").write_text(text)
    pins = {p.name: p for p in read_pins(tmp_path / "layer.txt")}
    assert pins["native-lib"].hashes == (A, B) and pins["boto3"].hashes == (A,)
    assert "# boto3: provided by the Lambda runtime" in text

    def diverging(_: Path, runtime: Runtime) -> list[dict]:
        version = "2.0" if runtime.architecture == "x86_64" else "1.9"
        return [{"metadata": {"name": "native", "version": version}, "download_info": {"archive_info": {"hashes": {"sha256": A}}}}]  # fmt: skip

    with pytest.raises(ToolchainError, match="resolves to 2.0 on one architecture and 1.9 on another"):
        resolve_lock(tmp_path / "layer.in", runtimes, (), report=diverging)


def test_the_development_venv_gets_the_same_versions_without_hashes() -> None:
    # pip turns on --require-hashes for a whole install as soon as one line has a hash, and the dev venv
    # (another Python, another platform) takes other wheels than the layer: it reads layer-pins.txt
    locked = (ROOT / "requirements/layer.txt").read_text()
    assert (ROOT / "requirements/layer-pins.txt").read_text() == unhashed_pins(locked)
    assert "-r layer-pins.txt" in (ROOT / "requirements/dev.txt").read_text().splitlines()
    assert "--hash" not in (ROOT / "requirements/layer-pins.txt").read_text()
