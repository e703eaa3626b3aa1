"""The mutation report: statuses read from mutmut's listing, scored per package, equivalents
left out with their reason, and the scores written between their markers."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolchain.errors import ToolchainError
from toolchain.mutation import BEGIN, END, Report, load_equivalents, parse_results, selection, write_scores

LISTING = """\
    lambdas.common.money.x_parse_amount__mutmut_1: killed
    lambdas.common.money.x_parse_amount__mutmut_2: survived
    lambdas.common.money.xǁMoneyǁ__add____mutmut_3: timeout
    lambdas.services.users.service.x_create__mutmut_1: no tests
    lambdas.services.users.service.x_create__mutmut_2: killed
    lambdas.services.etl.rows.x_parse__mutmut_1: not checked
    toolchain.deploy.promotion.x_promote__mutmut_4: segfault
    toolchain.cache.x_key__mutmut_1: survived
"""


def test_the_listing_is_read_line_by_line_including_method_mutants() -> None:
    statuses = parse_results("spinner noise\n" + LISTING)
    assert len(statuses) == 8
    assert statuses["lambdas.common.money.xǁMoneyǁ__add____mutmut_3"] == "timeout"
    assert statuses["lambdas.services.users.service.x_create__mutmut_1"] == "no tests"


def test_scores_count_timeouts_as_killed_and_untested_mutants_as_survivors() -> None:
    report = Report.of(parse_results(LISTING), {})
    common, users = report.scores["lambdas/common"], report.scores["services/users"]
    assert (common.killed, common.survived) == (2, ["lambdas.common.money.x_parse_amount__mutmut_2"])
    assert common.ratio == pytest.approx(2 / 3)
    assert (users.killed, len(users.survived), users.ratio) == (1, 1, 0.5)
    # a mutant not yet run is neither killed nor survived
    etl = report.scores["services/etl"]
    assert (etl.unscored, etl.scored, etl.ratio) == (1, 0, None)
    assert "| services/etl | 0 | 0 | 0 | 1 | - |" in report.table()
    assert "| lambdas/common | 2 | 1 | 0 | 0 | 66.7% |" in report.table()
    # code outside the scored packages is not reported
    assert all(not label.startswith("toolchain.cache") for label in report.scores)
    assert list(report.scores) == ["lambdas/common", "services/etl", "services/users", "deploy (promotion, release)"]


def test_an_equivalent_leaves_the_score_and_a_stale_one_is_named() -> None:
    equivalents = {
        "lambdas.common.money.x_parse_amount__mutmut_2": "rounding mode is irrelevant for exact decimals",
        "lambdas.common.money.x_parse_amount__mutmut_1": "claimed, but a test kills it",
        "lambdas.common.gone.x_f__mutmut_1": "no longer generated",
    }
    report = Report.of(parse_results(LISTING), equivalents)
    common = report.scores["lambdas/common"]
    assert (common.killed, common.survived, common.equivalent, common.ratio) == (2, [], 1, 1.0)
    assert report.stale_equivalents == [
        "lambdas.common.gone.x_f__mutmut_1",
        "lambdas.common.money.x_parse_amount__mutmut_1",
    ]


def test_the_result_line_reports_the_lowest_package_against_the_goal() -> None:
    report = Report.of(parse_results(LISTING), {})
    assert report.result_line() == "RESULT mutation_score project=0.500 floor=0.90 ratio=0.556"


def test_nothing_run_is_no_score() -> None:
    report = Report.of({"lambdas.common.money.x_f__mutmut_1": "not checked"}, {})
    assert report.lowest is None
    with pytest.raises(ToolchainError, match="no mutant has been tested"):
        report.result_line()


def test_equivalents_need_a_reason(tmp_path: Path) -> None:
    listed = tmp_path / "equivalent.toml"
    listed.write_text('[[equivalent]]\nmutant = "a.b.x_c__mutmut_1"\nreason = "  "\n')
    with pytest.raises(ToolchainError, match="needs a mutant and a reason"):
        load_equivalents(listed)
    listed.write_text('[[equivalent]]\nmutant = "a.b.x_c__mutmut_1"\nreason = "dead default"\n')
    assert load_equivalents(listed) == {"a.b.x_c__mutmut_1": "dead default"}
    assert load_equivalents(tmp_path / "absent.toml") == {}


def test_the_project_equivalents_file_is_valid() -> None:
    load_equivalents(Path(__file__).parents[3] / "tests" / "mutation" / "equivalent.toml")


@pytest.mark.parametrize(
    ("module", "pattern"),
    [
        ("lambdas.common.money", "lambdas.common.money.*"),
        ("src/lambdas/services/users/service.py", "lambdas.services.users.service.*"),
        ("toolchain.emulator", "toolchain.emulator.*"),  # holds scored packages
        ("", ""),
    ],
)
def test_a_module_selects_its_mutants(module: str, pattern: str) -> None:
    assert selection(module) == pattern


@pytest.mark.parametrize("module", ["toolchain.cache", "lambdas.commonx", "toolchain.emulator.sns"])
def test_a_module_outside_the_scored_code_is_refused(module: str) -> None:
    with pytest.raises(ToolchainError, match="is not scored"):
        selection(module)


def test_scores_replace_only_the_block_between_the_markers(tmp_path: Path) -> None:
    document = tmp_path / "testing.md"
    document.write_text(f"# Tests\nbefore\n{BEGIN}\nold table\n{END}\nafter\n")
    write_scores(document, ["| a | b |"], "2026-12-07")
    assert document.read_text() == f"# Tests\nbefore\n{BEGIN}\nLast run: 2026-12-07.\n\n| a | b |\n{END}\nafter\n"
    document.write_text("no markers")
    with pytest.raises(ToolchainError, match="markers"):
        write_scores(document, [], "today")


def test_mutmut_copies_every_directory_of_the_checkout_the_suites_may_read() -> None:
    # mutmut runs the suites in mutants/, a copy of src/ and tests/ plus `also_copy`: a directory left
    # out (profiles/ once) fails the unmutated run before any mutant is tried
    import tomllib

    root = Path(__file__).resolve().parents[3]
    copied = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["mutmut"]["also_copy"])
    made_here = {"src", "tests", "build", "mutants"}  # copied by mutmut itself, or made by a run
    # hidden directories are tools' caches and editors' settings, but for the two the checkout has
    directories = {p.name for p in root.iterdir() if p.is_dir() and (not p.name.startswith(".")
                                                                      or p.name in (".ci", ".github"))} - made_here  # fmt: skip
    assert directories <= copied, directories - copied
