from __future__ import annotations

import sys
from pathlib import Path

import pytest

from toolchain.emulator.awslambda import interpreters
from toolchain.emulator.awslambda.interpreters import RuntimeUnavailable, choose_interpreter


def layer(tmp_path: Path, name: str, *tags: str) -> Path:
    root = tmp_path / name
    info = root / "python/pkg-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "WHEEL").write_text("Wheel-Version: 1.0\n" + "".join(f"Tag: {t}\n" for t in tags))
    return root


@pytest.fixture(autouse=True)
def _fresh() -> None:
    interpreters._choose.cache_clear()


@pytest.mark.documents("emulator.md", "The interpreter is the one the artifact needs")
def test_pure_python_layers_run_on_this_interpreter(tmp_path: Path) -> None:
    path, version = choose_interpreter([layer(tmp_path, "a", "py3-none-any")])
    assert path == Path(sys.executable)
    assert version == f"{sys.version_info.major}.{sys.version_info.minor}"


@pytest.mark.documents("emulator.md", "The interpreter is the one the artifact needs")
def test_compiled_layers_choose_their_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interpreters, "find_interpreter", lambda v: Path(f"/opt/python{v}"))
    monkeypatch.setattr(interpreters.sys, "platform", "linux")
    monkeypatch.setattr(interpreters.platform, "machine", lambda: "x86_64")
    path, version = choose_interpreter([layer(tmp_path, "a", "cp312-cp312-manylinux_2_17_x86_64"),
                                        layer(tmp_path, "b", "cp311-abi3-manylinux_2_34_x86_64")])  # fmt: skip
    assert (path, version) == (Path("/opt/python3.12"), "3.12")


@pytest.mark.documents("emulator.md", "The interpreter is the one the artifact needs")
def test_a_missing_python_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interpreters, "find_interpreter", lambda v: None)
    monkeypatch.setattr(interpreters.sys, "platform", "linux")
    monkeypatch.setattr(interpreters.platform, "machine", lambda: "x86_64")
    with pytest.raises(RuntimeUnavailable, match="no python3.99 was found"):
        choose_interpreter([layer(tmp_path, "a", "cp399-cp399-manylinux_2_17_x86_64")])


@pytest.mark.documents("emulator.md", "The interpreter is the one the artifact needs")
def test_binaries_for_another_machine_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interpreters.sys, "platform", "linux")
    monkeypatch.setattr(interpreters.platform, "machine", lambda: "x86_64")
    with pytest.raises(RuntimeUnavailable, match="manylinux_2_17_aarch64 binaries"):
        choose_interpreter([layer(tmp_path, "a", "cp312-cp312-manylinux_2_17_aarch64")])


def test_layers_for_two_pythons_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interpreters.sys, "platform", "linux")
    monkeypatch.setattr(interpreters.platform, "machine", lambda: "x86_64")
    with pytest.raises(RuntimeUnavailable, match="mix binaries"):
        choose_interpreter([layer(tmp_path, "a", "cp311-cp311-manylinux_2_17_x86_64"),
                            layer(tmp_path, "b", "cp312-cp312-manylinux_2_17_x86_64")])  # fmt: skip
