"""The real scanners, from the tools venv, find what they are there to find (and the tree is clean)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from toolchain.reporting import RecordingReporter
from toolchain.security.scanners import Scanners
from toolchain.security.tools import ToolEnvironment

ROOT = Path(__file__).resolve().parents[2]

INSECURE_TF = """
resource "aws_iam_policy" "too_much" {
  name   = "too-much"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}

resource "aws_sqs_queue" "unencrypted" {
  # checkov:skip=CKV2_AWS_73
  name = "plain"
}
"""

INSECURE_PY = """
import subprocess


def run(command: str) -> None:
    subprocess.call(command, shell=True)
"""


@pytest.fixture(scope="module")
def scanners() -> Scanners:
    # The same venv `invoke security.scan` uses: built once per pin change.
    tools = ToolEnvironment(ROOT / "requirements/security.txt", ROOT / "build/tools/security", RecordingReporter())
    return Scanners(tools.ensure().bin_dir, ROOT)


def test_checkov_finds_a_wildcard_policy_and_a_skip_without_reason(scanners: Scanners, tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    shutil.copytree(ROOT / "infra", infra, ignore=shutil.ignore_patterns(".terraform*"))
    (infra / "insecure.tf").write_text(INSECURE_TF)

    scan = scanners.checkov(infra)

    assert not scan.ok
    assert any("aws_iam_policy.too_much" in finding for finding in scan.findings)
    assert any(f.startswith("CKV2_AWS_73 skipped without a reason") for f in scan.findings)


def test_bandit_finds_a_shell_injection(scanners: Scanners, tmp_path: Path) -> None:
    (tmp_path / "handler.py").write_text(INSECURE_PY)

    scan = scanners.bandit(tmp_path)

    assert [finding.split()[0] for finding in scan.findings] == ["B404", "B602"]  # the import, the call


def test_the_repository_itself_is_clean(scanners: Scanners) -> None:
    assert scanners.checkov(ROOT / "infra").findings == []
    assert scanners.bandit(ROOT / "src" / "lambdas").findings == []
