"""The packages Lambda's runtime provides, mirrored once per interpreter and compiled by it
(awslambda/runtime_packages.py), so a local cold start compiles none of them, as on Lambda."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from toolchain.emulator.awslambda import runtime_packages


@pytest.mark.documents("emulator.md", "Warm workers")
def test_the_provided_packages_are_compiled_once_for_the_interpreter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime_packages, "RUNTIME_PROVIDED", ("jmespath", "six"))  # small: the same mechanism
    interpreter = Path(sys.executable)
    mirror = runtime_packages.provided_packages_dir(tmp_path, interpreter)
    tag = sys.implementation.cache_tag
    assert (mirror / "jmespath" / "__pycache__" / f"parser.{tag}.pyc").is_file()
    assert (mirror / "__pycache__" / f"six.{tag}.pyc").is_file()
    assert (mirror / "jmespath" / "parser.py").is_file() and not (mirror / "jmespath" / "parser.py").is_symlink()
    # made once: a second emulator (or worker) finds it complete and builds nothing
    complete = (mirror / ".complete").stat().st_mtime_ns
    assert runtime_packages.provided_packages_dir(tmp_path, interpreter) == mirror
    assert (mirror / ".complete").stat().st_mtime_ns == complete
    assert sorted(p.name for p in tmp_path.iterdir()) == [mirror.name]  # no half-built folder left behind
