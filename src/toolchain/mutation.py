"""Mutation scores: which of mutmut's mutants the unit and integration suites kill, per package.

`invoke mutants` runs mutmut (configured in pyproject.toml's [tool.mutmut]) and hands its
`mutmut results --all true` listing to `Report`. Survivors that no test can kill because they do
not change behaviour are listed with their reason in tests/mutation/equivalent.toml; they leave
the score, every other survivor counts against it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from toolchain.errors import ToolchainError

# The code whose tests must bite, by the dotted prefix of its mutants' names (mutmut names each
# mutant after its module under src/). Each service is scored on its own (`services/<name>`): a
# strong users API must not hide a weak scraper.
SERVICES = "lambdas.services."
PACKAGES: dict[str, str] = {
    "lambdas/common": "lambdas.common.",
    "services": SERVICES,
    "deploy (promotion, release)": "toolchain.deploy.",
    "packaging": "toolchain.packaging.",
    "emulator (API Gateway)": "toolchain.emulator.apigateway.",
    "emulator (Lambda: concurrency, routing, workers)": "toolchain.emulator.awslambda.",
    "emulator (stream delivery)": "toolchain.emulator.event_sources.",
}
GOAL = 0.90

KILLED = frozenset({"killed", "timeout", "segfault", "caught by type check"})
SURVIVED = frozenset({"survived", "no tests", "suspicious"})
UNSCORED = frozenset({"skipped", "not checked", "check was interrupted by user"})

_LINE = re.compile(r"^\s+(?P<name>[\w.ǁ]+__mutmut_\d+): (?P<status>[a-z ]+)$")
BEGIN, END = "<!-- mutation scores: begin -->", "<!-- mutation scores: end -->"


def parse_results(listing: str) -> dict[str, str]:
    """Mutant name -> status, from `mutmut results --all true`."""
    statuses = {}
    for line in listing.splitlines():
        if match := _LINE.match(line):
            statuses[match["name"]] = match["status"]
    return statuses


def load_equivalents(path: Path) -> dict[str, str]:
    """Mutant name -> why it cannot change behaviour. Every entry must give a reason."""
    if not path.is_file():
        return {}
    try:
        entries = tomllib.loads(path.read_text()).get("equivalent", [])
    except tomllib.TOMLDecodeError as exc:
        raise ToolchainError(f"{path}: not valid TOML ({exc})") from None
    reasons = {}
    for entry in entries:
        mutant, reason = entry.get("mutant", ""), str(entry.get("reason", "")).strip()
        if not mutant or not reason:
            raise ToolchainError(f"{path}: each [[equivalent]] needs a mutant and a reason (got {entry})")
        reasons[mutant] = reason
    return reasons


def package_of(mutant: str) -> str | None:
    if mutant.startswith(SERVICES):
        return f"services/{mutant.removeprefix(SERVICES).split('.', 1)[0]}"
    return next((label for label, prefix in PACKAGES.items() if mutant.startswith(prefix)), None)


def _order(label: str) -> tuple[int, str]:
    return list(PACKAGES).index(label.split("/")[0] if label.startswith("services/") else label), label


def selection(module: str) -> str:
    """The mutmut name pattern for `--module` (a dotted module or package under src/), refused
    when it lies outside the scored code."""
    dotted = module.strip().strip(".").replace("/", ".").removeprefix("src.").removesuffix(".py")
    if not dotted:
        return ""
    inside = [p for p in PACKAGES.values() if f"{dotted}.".startswith(p) or p.startswith(f"{dotted}.")]
    if not inside:
        scored = ", ".join(p.rstrip(".") for p in PACKAGES.values())
        raise ToolchainError(f"{module!r} is not scored; use a module under one of: {scored}")
    return f"{dotted}.*"


@dataclass
class Score:
    killed: int = 0
    survived: list[str] = field(default_factory=list)
    equivalent: int = 0
    unscored: int = 0

    @property
    def scored(self) -> int:
        return self.killed + len(self.survived)

    @property
    def ratio(self) -> float | None:
        return self.killed / self.scored if self.scored else None


@dataclass
class Report:
    scores: dict[str, Score]
    stale_equivalents: list[str]

    @classmethod
    def of(cls, statuses: dict[str, str], equivalents: dict[str, str]) -> Report:
        scores: dict[str, Score] = {}
        for mutant, status in sorted(statuses.items()):
            label = package_of(mutant)
            if label is None:
                continue
            score = scores.setdefault(label, Score())
            if status in UNSCORED:
                score.unscored += 1
            elif status in KILLED:
                score.killed += 1
            elif mutant in equivalents:
                score.equivalent += 1
            else:
                score.survived.append(mutant)
        # An equivalent that is killed now, or no longer exists, is a claim nothing backs.
        stale = sorted(m for m in equivalents if statuses.get(m) not in SURVIVED)
        return cls(dict(sorted(scores.items(), key=lambda kv: _order(kv[0]))), stale)

    @property
    def lowest(self) -> float | None:
        """The weakest package's score; None until a mutant of some package has run."""
        return min((s.ratio for s in self.scores.values() if s.ratio is not None), default=None)

    def table(self) -> list[str]:
        rows = ["| package | killed | survived | equivalent | not run | score |", "|---|---:|---:|---:|---:|---:|"]
        for label, s in self.scores.items():
            score = "-" if s.ratio is None else f"{s.ratio:.1%}"
            rows.append(f"| {label} | {s.killed} | {len(s.survived)} | {s.equivalent} | {s.unscored} | {score} |")
        return rows

    def result_line(self) -> str:
        if self.lowest is None:
            raise ToolchainError("no mutant has been tested yet: nothing to score")
        return f"RESULT mutation_score project={self.lowest:.3f} floor={GOAL:.2f} ratio={self.lowest / GOAL:.3f}"


def write_scores(document: Path, rows: Iterable[str], when: str) -> None:
    """Replace the scores between the markers in docs/testing.md; the prose around them stays."""
    text = document.read_text()
    if BEGIN not in text or END not in text:
        raise ToolchainError(f"{document}: the markers {BEGIN} and {END} are missing")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    block = "\n".join([BEGIN, f"Last run: {when}.", "", *rows, END])
    document.write_text(head + block + tail)
