"""The security gates' reports as people read them: counts first, then each finding on its line."""

from __future__ import annotations

from toolchain.security.gate import SecretSearch
from toolchain.security.iam import IamAudit
from toolchain.security.report import iam_report, scan_table, secrets_report
from toolchain.security.scanners import ScanResult
from toolchain.security.secrets import Leak


def test_the_iam_report_counts_then_lists_wildcards_and_findings() -> None:
    audit = IamAudit(findings=["role r: Action '*'"], policies=3, statements=9, functions=2, roles=4,
                     invoke_permissions=5, resource_star={"xray:PutTraceSegments": ["a", "b"]})  # fmt: skip
    assert iam_report(audit).splitlines() == [
        "IAM audit: 3 policies, 9 statements, 2 functions on 4 roles, 5 invoke permissions: 1 findings",
        "  Resource '*' allowed for xray:PutTraceSegments (2 statements)",
        "  FINDING role r: Action '*'",
    ]


def test_the_secret_report_names_the_leak_never_the_value() -> None:
    search = SecretSearch(["jwt"], {"state": 100, "logs": 20}, [Leak("jwt", "the state", "base64")])
    assert secrets_report(search).splitlines() == [
        "Secret search: 1 secrets (jwt) in 2 places (120 characters): 1 LEAKS",
        "  LEAK jwt found in the state (base64)",
    ]


def test_the_scan_table_has_a_verdict_per_scanner() -> None:
    results = [ScanResult("checkov", "infra/", passed=10), ScanResult("pip-audit", "layer", unaudited=["x"])]
    table = scan_table(results, require_complete=True).splitlines()
    assert table[1].split()[-1] == "passed" and table[2].split()[-1] == "INCOMPLETE"
    assert scan_table(results, require_complete=False).splitlines()[2].endswith("not audited")
