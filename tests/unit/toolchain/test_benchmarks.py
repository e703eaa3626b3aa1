"""`invoke bench`: which scripts run, how their RESULT lines are read, and how results.md is kept."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from toolchain.benchmarks import Benchmarks, render
from toolchain.errors import ToolchainError


def scripts(tmp_path: Path, outputs: dict[str, tuple[int, str]]) -> Benchmarks:
    for name in outputs:
        (tmp_path / f"bench_{name}.py").write_text("# a benchmark\n")
    (tmp_path / "harness.py").write_text("# not a benchmark\n")

    def run(script: Path) -> subprocess.CompletedProcess:
        code, out = outputs[script.stem.removeprefix("bench_")]
        return subprocess.CompletedProcess([script.name], code, out, "boom" if code else "")

    return Benchmarks(tmp_path, run=run)


def test_only_bench_scripts_are_benchmarks_and_unknown_names_are_refused(tmp_path: Path) -> None:
    suite = scripts(tmp_path, {"etl": (0, ""), "scraper": (0, "")})
    assert suite.names() == ["etl", "scraper"] and suite.select([]) == ["etl", "scraper"]
    assert suite.select(["scraper"]) == ["scraper"]
    with pytest.raises(ToolchainError, match="no benchmark named ftp") as refused:
        suite.select(["ftp"])
    assert "etl, scraper" in refused.value.hint


def test_a_run_reads_its_results_and_fails_without_one(tmp_path: Path) -> None:
    suite = scripts(tmp_path, {"good": (0, "| t |\nRESULT good_ms project=2 floor=1 ratio=2.00\n"),
                               "silent": (0, "| t |\n"), "broken": (1, "")})  # fmt: skip
    assert suite.run("good").results == [("good_ms", "2", "1", "2.00")] and suite.run("good").failed is None
    assert suite.run("silent").failed == "it printed no RESULT line"
    assert "exit 1: boom" in (suite.run("broken").failed or "")


def test_results_keep_other_scripts_sections_and_a_failed_run_changes_nothing(tmp_path: Path) -> None:
    suite = scripts(tmp_path, {"a": (0, "A1\nRESULT a_ms project=3 floor=1 ratio=3.00"),
                               "b": (0, "B1\nRESULT b_ms project=1 floor=1 ratio=1.00")})  # fmt: skip
    first = render("", [suite.run("a"), suite.run("b")], "machine one")
    assert "| a | `a_ms` | 3 | 1 | 3.00 |" in first and "B1" in first and "machine one" in first
    suite = scripts(tmp_path, {"a": (0, "A2\nRESULT a_ms project=2 floor=1 ratio=2.00"), "b": (1, "")})
    second = render(first, [suite.run("a"), suite.run("b")], "machine two")
    assert "A2" in second and "A1" not in second and "B1" in second and "| a | `a_ms` | 2 | 1 | 2.00 |" in second


BENCH = Path(__file__).resolve().parents[3] / "bench"


@pytest.mark.parametrize("script", sorted(p.name for p in BENCH.glob("bench_*.py")))
def test_every_benchmark_script_still_imports(script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A benchmark is run by hand, not by the suite: one that imports a name the code no longer has
    (bench_etl did, after a refactor) must fail here rather than on the next `invoke bench`."""
    import importlib.util
    import sys

    monkeypatch.syspath_prepend(str(BENCH))
    spec = importlib.util.spec_from_file_location(script.removesuffix(".py"), BENCH / script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    assert callable(getattr(module, "main", None))
