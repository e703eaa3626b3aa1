from __future__ import annotations

from pathlib import Path

import pytest
from packaging.tags import Tag

from tests.conftest import ROOT
from toolchain.errors import ConfigError
from toolchain.packaging.requirements import Pin, read_pins
from toolchain.packaging.runtimes import Runtime


@pytest.mark.documents("packaging.md", "One dependency layer")
def test_python312_targets_amazon_linux_2023() -> None:
    target = Runtime.on_lambda("3.12", "x86_64")
    platforms = target.platforms()
    assert platforms[0] == "manylinux_2_34_x86_64"
    assert {"manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux1_x86_64"} <= set(platforms)
    assert Tag("cp312", "cp312", "manylinux_2_28_x86_64") in target.supported_tags
    assert Tag("cp311", "abi3", "manylinux_2_34_x86_64") in target.supported_tags
    assert Tag("py3", "none", "any") in target.supported_tags
    assert Tag("cp311", "cp311", "manylinux_2_17_x86_64") not in target.supported_tags
    assert Tag("cp312", "cp312", "manylinux_2_35_x86_64") not in target.supported_tags


def test_older_pythons_target_amazon_linux_2() -> None:
    assert Runtime.on_lambda("3.11", "x86_64").platforms()[0] == "manylinux_2_26_x86_64"


def test_arm64_starts_at_manylinux2014() -> None:
    platforms = Runtime.on_lambda("3.12", "arm64").platforms()
    assert platforms[0] == "manylinux_2_34_aarch64"
    assert platforms[-1] == "manylinux2014_aarch64"
    assert not any("x86_64" in p for p in platforms)


@pytest.mark.documents("packaging.md", "One dependency layer")
def test_pip_is_asked_for_the_target_not_this_machine() -> None:
    args = Runtime.on_lambda("3.12", "arm64").pip_arguments()
    assert args[-4:] == ["--python-version", "3.12", "--implementation", "cp"]
    assert args.count("--platform") == len(Runtime.on_lambda("3.12", "arm64").platforms())
    assert Runtime.host().pip_arguments() == []


def test_pins_are_read_canonical_and_sorted(tmp_path: Path) -> None:
    lock = tmp_path / "layer.txt"
    lock.write_text("# comment\nRequests==2.0  # why\n\nPyJWT[crypto]==2.8.0\ntyping_extensions==4.0\n")
    assert read_pins(lock) == [Pin("pyjwt", "2.8.0"), Pin("requests", "2.0"), Pin("typing-extensions", "4.0")]


@pytest.mark.parametrize(("line", "message"), [("requests>=2", "not an exact pin"), ("a==1\nA==2", "pinned twice")])
def test_loose_or_duplicate_pins_are_refused(tmp_path: Path, line: str, message: str) -> None:
    lock = tmp_path / "layer.txt"
    lock.write_text(line + "\n")
    with pytest.raises(ConfigError, match=message):
        read_pins(lock)


def test_the_repository_lock_is_exact() -> None:
    pins = read_pins(ROOT / "requirements/layer.txt")
    assert {"pillow", "pyjwt", "requests", "beautifulsoup4", "aws-xray-sdk"} <= {p.name for p in pins}
