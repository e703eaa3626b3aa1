"""checkov, bandit and pip-audit, run from the tools venv, their JSON reduced to one shape.

A scan is `ok` when it found nothing. It is `complete` when it could look at everything it was
given: pip-audit offline skips every dependency (its vulnerability services are unreachable) and
exits 0, which must not read as "no known vulnerabilities".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolchain.errors import ToolchainError
from toolchain.security.advisories import LatestReleaseAdvisories, canonical_name, read_pins
from toolchain.security.tools import Runner, run_captured

# checkov writes this when a skip comment gives no reason; a skip without a reason is a finding.
_NO_REASON = "No comment provided"


@dataclass
class ScanResult:
    name: str
    target: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    findings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # What the scanner could not look at (pip-audit: dependency names).
    unaudited: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def complete(self) -> bool:
        return not self.unaudited

    def verdict(self, *, require_complete: bool) -> str:
        if not self.ok:
            return "FAILED"
        if not self.complete:
            return "INCOMPLETE" if require_complete else "not audited"
        return "passed"


def _vulnerability(name: str, version: str, advisory: Any, fixed_in: list[str] | None) -> str:
    return f"{name} {version}: {advisory} (fixed in {', '.join(fixed_in or []) or 'no fix released'})"


def _json_from(result: Any, tool: str) -> Any:
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        detail = (result.stderr or result.stdout or "").strip()[-1500:]
        raise ToolchainError(f"{tool} produced no report (exit {result.returncode}): {detail}") from None


def parse_checkov(report: Any, target: str) -> ScanResult:
    reports = report if isinstance(report, list) else [report]
    scan = ScanResult("checkov", target)
    for item in reports:
        results = item.get("results", {})
        scan.passed += len(results.get("passed_checks", []))
        for check in results.get("failed_checks", []):
            scan.failed += 1
            scan.findings.append(
                f"{check['check_id']} {check['resource']} ({check['file_path']}:{check['file_line_range'][0]}): "
                f"{check['check_name']}"
            )
        for check in results.get("skipped_checks", []):
            scan.skipped += 1
            reason = (check.get("check_result") or {}).get("suppress_comment", "").strip()
            if not reason or reason == _NO_REASON:
                scan.findings.append(f"{check['check_id']} skipped without a reason at {check['file_path']}")
        for error in item.get("summary", {}).get("parsing_errors", []) or []:
            scan.findings.append(f"checkov could not parse {error}")
    return scan


def parse_bandit(report: dict[str, Any], target: str) -> ScanResult:
    totals = report.get("metrics", {}).get("_totals", {})
    scan = ScanResult(
        "bandit",
        target,
        passed=int(totals.get("loc", 0)),
        skipped=int(totals.get("nosec", 0)) + int(totals.get("skipped_tests", 0)),
    )
    for issue in report.get("results", []):
        scan.failed += 1
        scan.findings.append(
            f"{issue['test_id']} {issue['filename']}:{issue['line_number']} "
            f"({issue['issue_severity']}/{issue['issue_confidence']}): {issue['issue_text']}"
        )
    for error in report.get("errors", []):
        scan.findings.append(f"bandit could not scan {error.get('filename')}: {error.get('reason')}")
    if scan.passed:
        scan.notes.append(f"{scan.passed} lines of code scanned")
    return scan


def parse_pip_audit(report: dict[str, Any], target: str) -> ScanResult:
    scan = ScanResult("pip-audit", target)
    for dependency in report.get("dependencies", []):
        if "skip_reason" in dependency:
            scan.skipped += 1
            scan.unaudited.append(canonical_name(dependency["name"]))
            continue
        vulns = dependency.get("vulns", [])
        if not vulns:
            scan.passed += 1
        for vuln in vulns:
            scan.failed += 1
            scan.findings.append(
                _vulnerability(dependency["name"], dependency.get("version"), vuln["id"], vuln.get("fix_versions"))
            )
    if scan.unaudited:
        scan.notes.append(f"pip-audit could not audit {len(scan.unaudited)} dependencies: {', '.join(scan.unaudited)}")
    return scan


class Scanners:
    """Runs each scanner from `bin_dir` (the tools venv) and parses its JSON report."""

    def __init__(
        self,
        bin_dir: Path,
        root: Path,
        runner: Runner = run_captured,
        advisories: LatestReleaseAdvisories | None = None,
    ) -> None:
        self._bin = bin_dir
        self._root = root
        self._run = runner
        self._advisories = advisories or LatestReleaseAdvisories()

    def _tool(self, name: str, *args: str) -> Any:
        return self._run([str(self._bin / name), *args])

    def checkov(self, directory: Path) -> ScanResult:
        # --skip-download: no call to Prisma Cloud for guidelines; the checks themselves ship with checkov.
        result = self._tool(
            "checkov", "-d", str(directory), "--framework", "terraform", "--output", "json",
            "--compact", "--skip-download",
        )  # fmt: skip
        return parse_checkov(_json_from(result, "checkov"), self._relative(directory))

    def bandit(self, directory: Path) -> ScanResult:
        result = self._tool("bandit", "--recursive", str(directory), "--format", "json", "--quiet")
        return parse_bandit(_json_from(result, "bandit"), self._relative(directory))

    def pip_audit(self, requirements: Path) -> ScanResult:
        # --no-deps: the file is already the fully pinned closure; --disable-pip: audit the pins as
        # written, without resolving them for this machine's platform.
        result = self._tool(
            "pip-audit", "--requirement", str(requirements), "--no-deps", "--disable-pip",
            "--progress-spinner", "off", "--format", "json",
        )  # fmt: skip
        pins = read_pins(requirements)
        if (result.stdout or "").strip().startswith("{"):
            scan = parse_pip_audit(_json_from(result, "pip-audit"), self._relative(requirements))
        else:
            scan = ScanResult("pip-audit", self._relative(requirements), skipped=len(pins), unaudited=sorted(pins))
            last = (result.stderr or "").strip().splitlines()[-1:] or ["no output"]
            scan.notes.append(f"pip-audit could not run: {last[0][:300]}")
        if scan.unaudited:
            self._second_source(scan, pins)
        return scan

    def _second_source(self, scan: ScanResult, all_pins: dict[str, str]) -> None:
        """Audit what pip-audit skipped from PyPI's advisories for each project's latest release."""
        pins = {name: all_pins[name] for name in scan.unaudited if name in all_pins}
        found = self._advisories.audit(pins)
        scan.skipped -= len(found.vulnerabilities)
        scan.passed += sum(1 for vulns in found.vulnerabilities.values() if not vulns)
        for name, vulns in sorted(found.vulnerabilities.items()):
            for vuln in vulns:
                scan.failed += 1
                scan.findings.append(_vulnerability(name, pins[name], vuln.get("id"), vuln.get("fixed_in")))
        if found.vulnerabilities:
            scan.notes.append(
                f"{len(found.vulnerabilities)} of them audited from PyPI's advisories for their project's latest "
                "release, which they are"
            )
        left = {**dict.fromkeys(set(scan.unaudited) - set(pins), "no pin in the file"),
                **{n: f"pinned {pins[n]}, latest {v}" for n, v in found.not_latest.items()},
                **dict.fromkeys(found.unreachable, "PyPI unreachable")}  # fmt: skip
        scan.unaudited = sorted(left)
        if left:
            scan.notes.append("not audited: " + ", ".join(f"{n} ({why})" for n, why in sorted(left.items())))

    def _relative(self, path: Path) -> str:
        try:
            return str(path.relative_to(self._root))
        except ValueError:
            return str(path)
