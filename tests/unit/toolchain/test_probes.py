"""An interpreter is asked about itself once while its executable stays the same file; a pyenv shim,
whose answer changes with `pyenv global`, is never remembered and never run."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from toolchain import pythons
from toolchain.probes import ProbeMemo


@pytest.fixture
def executable(tmp_path: Path) -> Path:
    """A real executable file of our own (the running interpreter's binary, copied)."""
    copy = tmp_path / "bin" / "python9.9"
    copy.parent.mkdir()
    shutil.copy2(Path(sys.executable).resolve(), copy)
    return copy


def _counting(answer: object) -> tuple[list[int], object]:
    calls: list[int] = []
    return calls, lambda: calls.append(1) or answer


def test_an_answer_is_kept_until_the_executable_changes(tmp_path: Path, executable: Path) -> None:
    memo = ProbeMemo(tmp_path / "cache" / "interpreters.json")
    calls, ask = _counting({"version": "9.9.1"})
    assert memo.ask(executable, "compiles", ask) == {"version": "9.9.1"}
    assert ProbeMemo(memo.path).ask(executable, "compiles", ask) == {"version": "9.9.1"}  # a later run
    assert len(calls) == 1
    # WHEN the install is replaced (another modification time, as an upgrade leaves it)
    os.utime(executable, ns=(0, executable.stat().st_mtime_ns + 10**9))
    assert memo.ask(executable, "compiles", ask) == {"version": "9.9.1"}
    assert len(calls) == 2  # THEN it is asked again
    # AND another question about the same file is its own entry
    other_calls, other = _counting(True)
    assert memo.ask(executable, "is 9.9", other) is True
    assert len(other_calls) == 1


def test_a_script_is_asked_every_time(tmp_path: Path) -> None:
    shim = tmp_path / "python9.9"
    shim.write_text('#!/usr/bin/env bash\nexec pyenv exec python9.9 "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    memo = ProbeMemo(tmp_path / "interpreters.json")
    calls, ask = _counting(True)
    memo.ask(shim, "is 9.9", ask)
    memo.ask(shim, "is 9.9", ask)
    assert len(calls) == 2
    assert not memo.path.exists()


def test_a_broken_cache_file_costs_only_the_probe(tmp_path: Path, executable: Path) -> None:
    path = tmp_path / "interpreters.json"
    path.write_text("{not json")
    calls, ask = _counting("3.12")
    assert ProbeMemo(path).ask(executable, "q", ask) == "3.12"
    assert ProbeMemo(path).ask(executable, "q", ask) == "3.12"
    assert len(calls) == 1


def test_pyenvs_shim_is_not_a_candidate_but_its_installs_are(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "pyenv"
    (root / "shims").mkdir(parents=True)
    shim = root / "shims" / "python9.9"
    shim.write_text("#!/usr/bin/env bash\n")
    shim.chmod(0o755)
    install = root / "versions" / "9.9.2" / "bin" / "python9.9"
    install.parent.mkdir(parents=True)
    install.write_text("")
    monkeypatch.setenv("PYENV_ROOT", str(root))
    monkeypatch.setenv("PATH", f"{root / 'shims'}{os.pathsep}{os.environ['PATH']}")
    assert pythons._candidates("9.9") == [install]
