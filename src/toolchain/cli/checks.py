"""Tasks that check: `lint`, `test`, `bench`."""

from __future__ import annotations

import sys
from pathlib import Path

from invoke import Context, Exit

from toolchain.cli.common import platform_task, root, say


@platform_task
def lint(c: Context) -> None:
    """ruff, actionlint on the CI workflow, terraform fmt -check."""
    # Through this interpreter: the venv need not be activated for its tools to be found.
    with c.cd(str(root(c))):
        c.run(f"{sys.executable} -m ruff check .")
        c.run(f"{sys.executable} -m ruff format --check .")
        c.run(f"{Path(sys.executable).parent / 'actionlint'} -no-color")
    from toolchain.cli import tf

    tf.fmt(c, check=True)


# What each suite may take per test before it is stopped (pytest-timeout), how it is spread over
# workers (pytest-xdist: integration modules keep their emulator, one file per worker; e2e sends
# each scope of tests/e2e/conftest.py whole to one worker), and how many workers it adds to
# `--workers`: integration and e2e mostly wait (emulator processes, HTTP, Terraform's fixed delays,
# bakes), so more overlap their waiting (integration: 154 s against 170 s on 2 cores with one more;
# e2e: two more, one per scope of tests/e2e/conftest.py).
SUITES = {
    "unit": ("tests/unit", 60, "", 0),
    "integration": ("tests/integration", 300, "--dist loadfile", 1),
    "e2e": ("tests/e2e", 900, "--dist loadgroup", 3),
}


@platform_task(
    help={
        "suite": "unit, integration, e2e or all (all: in that order, each only after the one before it passed)",
        "pytest_args": "extra arguments for pytest, e.g. '-k thumbnail -x'",
        "workers": "pytest workers per suite (default 2, this machine's cores; integration one more, e2e two; "
        "0: one process)",
    }
)
def test(c: Context, suite: str = "all", pytest_args: str = "", workers: int = 2) -> None:
    """Run lint, then the unit, integration and e2e suites, stopping at the first that fails.

    unit: no network, each test at most 60 s; integration: handlers against moto, and the emulator
    process (300 s); e2e: Terraform applied for real on the embedded emulator, driven through these
    tasks (900 s). Each suite runs on `--workers` processes (integration and e2e, which mostly wait,
    on more: one and three).
    The security scanners' own check of the tree runs with the integration suite (`invoke
    security.scan` runs them all, pip-audit included).
    """
    if suite != "all" and suite not in SUITES:
        raise Exit(f"error: unknown suite {suite!r}; use one of {', '.join([*SUITES, 'all'])}", code=2)
    if workers < 0:
        raise Exit("error: --workers must be 0 or more", code=2)
    if suite == "all":
        lint(c)
    for name in SUITES if suite == "all" else [suite]:
        path, timeout, distribution, extra = SUITES[name]
        parallel = f"-n {workers + extra} {distribution}" if workers else ""
        say(f"==> {name} tests")
        with c.cd(str(root(c))):
            result = c.run(f"{sys.executable} -m pytest {path} --timeout={timeout} {parallel} --durations=10 "
                           f"{pytest_args}", pty=False, warn=True)  # fmt: skip
        if result is None or result.failed:
            later = list(SUITES)[list(SUITES).index(name) + 1 :] if suite == "all" else []
            skipped = f"; not run: {', '.join(later)}" if later else ""
            raise Exit(f"error: the {name} suite failed{skipped}", code=1)


@platform_task(
    help={"only": "comma-separated benchmarks, e.g. 'etl,scraper' (default: all of bench/bench_*.py)"},
)
def bench(c: Context, only: str = "") -> None:
    """Run the benchmarks (each its project path against its floor) and write bench/results.md.

    Each script prints its tables and ends with `RESULT <name> project=.. floor=.. ratio=..`; the
    ratio is what carries between machines. The loop and API benchmarks start an emulator of their
    own in a copy of this checkout (minutes); init compiles and cold-starts every function.
    """
    from toolchain.benchmarks import Benchmarks, machine, render
    from toolchain.errors import ToolchainError

    suite = Benchmarks(root(c) / "bench")
    try:
        names = suite.select([n.strip() for n in only.split(",") if n.strip()])
    except ToolchainError as exc:
        raise Exit(f"error: {exc}", code=1) from None
    runs = []
    for name in names:
        say(f"==> bench {name}")
        run = suite.run(name)
        runs.append(run)
        for result, project, floor, ratio in run.results:
            say(f"    {result}: project {project}, floor {floor}, ratio {ratio}  ({run.seconds:.0f} s)")
        if run.failed:
            say(f"    failed: {run.failed}")
    results = root(c) / "bench" / "results.md"
    results.write_text(render(results.read_text() if results.is_file() else "", runs, machine()))
    say(f"{len(runs) - sum(1 for r in runs if r.failed)} of {len(runs)} written to bench/results.md")
    if any(r.failed for r in runs):
        raise Exit("error: a benchmark failed (its section in bench/results.md is unchanged)", code=1)


@platform_task(
    help={
        "module": "only this module or package under src/, e.g. lambdas.common.money (default: all scored code)",
        "report": "only report the last runs' results (no mutants run)",
        "max_children": "mutants tested at once (default: 2, this machine's cores)",
    }
)
def mutants(c: Context, module: str = "", report: bool = False, max_children: int = 2) -> None:
    """Mutation testing (mutmut): how many changed lines of the scored code the unit and
    integration suites catch, per package, into docs/testing.md.

    Slow (hours for everything; results are kept in mutants/ and only changed code runs again),
    so not part of `invoke test`. Survivors that cannot change behaviour are listed with their
    reason in tests/mutation/equivalent.toml. Ends with `RESULT mutation_score ...`: the lowest
    package's score against the 90% goal.
    """
    from datetime import date

    from toolchain.errors import ToolchainError
    from toolchain.mutation import Report, load_equivalents, parse_results, selection, write_scores

    mutmut = Path(sys.executable).parent / "mutmut"
    try:
        pattern = selection(module)
        equivalents = load_equivalents(root(c) / "tests" / "mutation" / "equivalent.toml")
    except ToolchainError as exc:
        raise Exit(f"error: {exc}", code=2) from None
    with c.cd(str(root(c))):
        if not report:
            say(f"==> mutmut run {pattern or '(all scored code)'}")
            run = c.run(f"{mutmut} run --max-children {max_children} {pattern and repr(pattern)}", warn=True)
            if run is None or run.failed:
                # mutmut first runs the suites unmutated (a red or flaky test there scores nothing); its
                # results so far are kept in mutants/, so running it again goes on where it stopped
                raise Exit("error: mutmut failed (above): if the unmutated suites failed, fix them; otherwise run "
                           "`invoke mutants` again, it goes on where it stopped", code=1)  # fmt: skip
        listing = c.run(f"{mutmut} results --all true", hide=True, warn=True)
    statuses = parse_results(listing.stdout if listing else "")
    if not statuses:
        raise Exit("error: no mutation results yet; run `invoke mutants` without --report first", code=1)
    result = Report.of(statuses, equivalents)
    for row in result.table():
        say(row)
    for label, score in result.scores.items():
        for survivor in score.survived:
            say(f"survived ({label}): {survivor}  (see: mutmut show {survivor})")
    for mutant in result.stale_equivalents:
        say(f"stale: {mutant} is listed as equivalent but was killed or no longer exists")
    if result.lowest is None:
        raise Exit("error: no mutant has been tested yet; run `invoke mutants` without --report", code=1)
    write_scores(root(c) / "docs" / "testing.md", result.table(), date.today().isoformat())
    unscored = [label for label, score in result.scores.items() if score.ratio is None]
    if unscored:  # the RESULT line is the lowest of the packages scored so far, not of all of them
        say(f"scored {len(result.scores) - len(unscored)} of {len(result.scores)} packages; not run yet: "
            f"{', '.join(unscored)}")  # fmt: skip
    say(result.result_line())
