"""A plan on the CI job's page: every resource it touches, replacements and destructions first."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolchain.deploy.summary import plan_markdown, write_step_summary

PLAN = {
    "resource_changes": [
        {"address": "module.users.aws_lambda_function.this", "change": {"actions": ["update"]}},
        {"address": "aws_lambda_layer_version.dependencies", "change": {"actions": ["delete", "create"]}},
        {"address": "module.probe_queue.aws_sqs_queue.this", "change": {"actions": ["create"]}},
        {"address": "aws_sqs_queue.old", "change": {"actions": ["delete"]}},
        {"address": "aws_dynamodb_table.users", "change": {"actions": ["no-op"]}},
        {"address": "data.aws_caller_identity.this", "change": {"actions": ["read"]}},
    ]
}


@pytest.mark.documents("environments.md", "Pinned and bounded")
def test_the_summary_counts_and_lists_what_the_plan_does() -> None:
    text = plan_markdown("staging", "aws", "ab" * 32, PLAN)
    assert "### Plan for staging on aws" in text and "Manifest `abababababab`" in text
    assert "1 to add, 1 to change, 1 to replace, 1 to destroy." in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    assert rows[0] == "| destroy | `aws_sqs_queue.old` |" and len(rows) == 4
    assert "aws_dynamodb_table.users" not in text and "data.aws_caller_identity" not in text


def test_an_empty_plan_says_so_and_nothing_is_written_outside_ci(tmp_path: Path) -> None:
    text = plan_markdown("dev", "aws", "0" * 64, {})
    assert "No resource changes." in text and "0 to add, 0 to change" in text
    assert write_step_summary(text, {}) is False
    summary = tmp_path / "summary.md"
    assert write_step_summary(text, {"GITHUB_STEP_SUMMARY": str(summary)}) is True
    assert write_step_summary(text, {"GITHUB_STEP_SUMMARY": str(summary)}) is True
    assert summary.read_text().count("### Plan for dev on aws") == 2
