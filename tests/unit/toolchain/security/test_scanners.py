"""Scanner reports reduced to passed/failed/skipped and findings; the scanners' JSON as they write it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from toolchain.errors import ToolchainError
from toolchain.security.advisories import LatestReleaseAdvisories
from toolchain.security.scanners import Scanners, parse_bandit, parse_checkov, parse_pip_audit


def check(check_id: str, **result: str) -> dict[str, Any]:
    return {
        "check_id": check_id, "check_name": "Ensure something", "resource": "module.api.aws_api_gateway_stage.this",
        "file_path": "/modules/rest_api/main.tf", "file_line_range": [128, 160], "check_result": result,
    }  # fmt: skip


def checkov_report(passed: int = 0, failed: Sequence[dict] = (), skipped: Sequence[dict] = ()) -> dict[str, Any]:
    return {
        "check_type": "terraform",
        "results": {
            "passed_checks": [check("CKV_AWS_1", result="PASSED")] * passed,
            "failed_checks": list(failed),
            "skipped_checks": list(skipped),
        },
        "summary": {"passed": passed, "failed": len(failed), "skipped": len(skipped), "parsing_errors": 0},
    }


def test_checkov_with_reasoned_skips_and_no_failures_is_ok() -> None:
    skipped = [check("CKV2_AWS_29", result="SKIPPED", suppress_comment="WAF is an account-level choice")]

    scan = parse_checkov(checkov_report(passed=3, skipped=skipped), "infra")

    assert scan.ok and (scan.passed, scan.failed, scan.skipped) == (3, 0, 1)


def test_checkov_failures_are_findings_with_where_and_what() -> None:
    scan = parse_checkov(checkov_report(failed=[check("CKV_AWS_120", result="FAILED")]), "infra")

    assert not scan.ok
    assert scan.findings == [
        "CKV_AWS_120 module.api.aws_api_gateway_stage.this (/modules/rest_api/main.tf:128): Ensure something"
    ]


def test_a_checkov_skip_without_a_reason_is_a_finding() -> None:
    skipped = [check("CKV_AWS_117", result="SKIPPED", suppress_comment="No comment provided")]

    assert "skipped without a reason" in parse_checkov(checkov_report(skipped=skipped), "infra").findings[0]


def test_bandit_issues_are_findings_and_nosec_counts_as_skipped() -> None:
    report = {
        "errors": [],
        "metrics": {"_totals": {"loc": 120, "nosec": 1, "skipped_tests": 2}},
        "results": [{"test_id": "B602", "filename": "src/x.py", "line_number": 7, "issue_severity": "HIGH",
                     "issue_confidence": "HIGH", "issue_text": "subprocess call with shell=True"}],
    }  # fmt: skip

    scan = parse_bandit(report, "src/lambdas")

    assert (scan.passed, scan.failed, scan.skipped) == (120, 1, 3)
    assert scan.findings == ["B602 src/x.py:7 (HIGH/HIGH): subprocess call with shell=True"]


def test_pip_audit_vulnerabilities_are_findings() -> None:
    report = {
        "dependencies": [
            {"name": "requests", "version": "2.0.0", "vulns": [{"id": "PYSEC-1", "fix_versions": ["2.31.0"]}]},
            {"name": "idna", "version": "3.20", "vulns": []},
        ]
    }

    scan = parse_pip_audit(report, "requirements/layer.txt")

    assert scan.findings == ["requests 2.0.0: PYSEC-1 (fixed in 2.31.0)"]
    assert (scan.passed, scan.failed, scan.complete) == (1, 1, True)


def test_pip_audit_skipped_dependencies_make_the_audit_incomplete_not_passed() -> None:
    report = {"dependencies": [{"name": "pillow", "skip_reason": "Dependency not found on PyPI"}]}

    scan = parse_pip_audit(report, "requirements/layer.txt")

    assert scan.ok and not scan.complete
    assert scan.verdict(require_complete=True) == "INCOMPLETE"
    assert scan.verdict(require_complete=False) == "not audited"
    assert "pillow" in scan.notes[0] and scan.unaudited == ["pillow"]


class FakeTools:
    """Stands in for the venv's executables: records the command lines, answers with canned output."""

    def __init__(self, stdout: str, stderr: str = "", returncode: int = 0) -> None:
        self.calls: list[list[str]] = []
        self._answer = (stdout, stderr, returncode)

    def __call__(self, args: Sequence[str]) -> subprocess.CompletedProcess:
        self.calls.append(list(args))
        stdout, stderr, code = self._answer
        return subprocess.CompletedProcess(args, code, stdout, stderr)


def test_checkov_runs_offline_over_terraform_only(tmp_path: Path) -> None:
    tools = FakeTools(json.dumps(checkov_report(passed=1)), returncode=0)

    scan = Scanners(tmp_path / "bin", tmp_path, tools).checkov(tmp_path / "infra")

    assert scan.target == "infra" and scan.passed == 1
    assert tools.calls[0][0] == str(tmp_path / "bin" / "checkov")
    assert {"--skip-download", "--framework", "terraform"} <= set(tools.calls[0])


def test_a_scanner_that_writes_no_report_is_an_error(tmp_path: Path) -> None:
    tools = FakeTools("", stderr="Traceback ...\nImportError: boto3", returncode=2)

    with pytest.raises(ToolchainError, match="(?s)bandit produced no report.*ImportError"):
        Scanners(tmp_path, tmp_path, tools).bandit(tmp_path / "src")


class FakeProjects:
    """PyPI's project endpoint: name -> (latest version, advisories), or absent (unreachable)."""

    def __init__(self, projects: dict[str, tuple[str, list[dict]]]) -> None:
        self.asked: list[str] = []
        self._projects = projects

    def __call__(self, url: str) -> dict:
        name = url.split("/pypi/")[1].split("/")[0]
        self.asked.append(name)
        if name not in self._projects:
            raise OSError("unreachable")
        latest, vulns = self._projects[name]
        return {"info": {"version": latest}, "vulnerabilities": vulns}


def pip_audit_scan(tmp_path: Path, tools: FakeTools, projects: FakeProjects) -> Any:
    layer = tmp_path / "layer.txt"
    layer.write_text("# pins\npillow==13.0.0\nrequests==2.34.2  # a comment\nsix==1.16.0\n")
    return Scanners(tmp_path, tmp_path, tools, LatestReleaseAdvisories(projects)).pip_audit(layer)


def skipped_everything() -> FakeTools:
    names = ("pillow", "requests", "six")
    return FakeTools(json.dumps({"dependencies": [{"name": n, "skip_reason": "not found"} for n in names]}))


def test_pins_pip_audit_skipped_are_audited_from_the_latest_releases_advisories(tmp_path: Path) -> None:
    cve = {"id": "GHSA-1", "fixed_in": ["13.0.1"], "withdrawn": None}
    projects = FakeProjects({"pillow": ("13.0.0", [cve]), "requests": ("2.34.2", []), "six": ("1.17.0", [])})

    scan = pip_audit_scan(tmp_path, skipped_everything(), projects)

    assert scan.findings == ["pillow 13.0.0: GHSA-1 (fixed in 13.0.1)"]
    assert (scan.passed, scan.failed, scan.skipped) == (1, 1, 1)
    assert not scan.complete and scan.unaudited == ["six"]
    assert "six (pinned 1.16.0, latest 1.17.0)" in scan.notes[-1]


def test_withdrawn_advisories_do_not_count(tmp_path: Path) -> None:
    withdrawn = {"id": "GHSA-2", "fixed_in": [], "withdrawn": "2026-01-01T00:00:00Z"}
    projects = FakeProjects({"pillow": ("13.0.0", [withdrawn]), "requests": ("2.34.2", []), "six": ("1.16.0", [])})

    scan = pip_audit_scan(tmp_path, skipped_everything(), projects)

    assert scan.ok and scan.complete and scan.passed == 3


def test_pip_audit_that_cannot_run_and_no_pypi_leaves_everything_unaudited(tmp_path: Path) -> None:
    tools = FakeTools("", stderr="requests.exceptions.ConnectionError: api.osv.dev", returncode=1)

    scan = pip_audit_scan(tmp_path, tools, FakeProjects({}))

    assert scan.ok and not scan.complete and scan.unaudited == ["pillow", "requests", "six"]
    assert "api.osv.dev" in scan.notes[0] and scan.skipped == 3


def test_what_pip_audit_audited_is_not_asked_again(tmp_path: Path) -> None:
    report = {"dependencies": [{"name": "pillow", "version": "13.0.0", "vulns": []},
                               {"name": "requests", "version": "2.34.2", "vulns": []},
                               {"name": "six", "skip_reason": "not found"}]}  # fmt: skip
    projects = FakeProjects({"six": ("1.16.0", [])})

    scan = pip_audit_scan(tmp_path, FakeTools(json.dumps(report)), projects)

    assert projects.asked == ["six"] and scan.complete and scan.passed == 3


def test_names_are_matched_in_pep_503_form_and_a_skipped_name_without_a_pin_stays_unaudited(tmp_path: Path) -> None:
    report = {"dependencies": [{"name": "Pillow", "skip_reason": "not found"},
                               {"name": "Requests", "version": "2.34.2", "vulns": []},
                               {"name": "six", "version": "1.16.0", "vulns": []},
                               {"name": "zope.interface", "skip_reason": "not found"}]}  # fmt: skip
    projects = FakeProjects({"pillow": ("13.0.0", [])})

    scan = pip_audit_scan(tmp_path, FakeTools(json.dumps(report)), projects)

    assert projects.asked == ["pillow"] and scan.passed == 3
    assert scan.unaudited == ["zope-interface"] and "zope-interface (no pin in the file)" in scan.notes[-1]
