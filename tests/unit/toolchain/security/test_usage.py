"""Least privilege measured: grants against the calls the emulator recorded, with reasons from infra/."""

from __future__ import annotations

from pathlib import Path

from toolchain.security.usage import grants, lines, measure, reasons

ROLE = "arn:aws:iam::123456789012:role/platform-local-users-function"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/platform-local-users"
POLICIES = {"platform-local-users-least-privilege": {"Version": "2012-10-17", "Statement": [
    {"Sid": "WriteOwnLogs", "Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": "arn:aws:logs:*"},
    {"Sid": "ReadWriteUsers", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"],
     "Resource": [TABLE, f"{TABLE}/index/*"]},
    {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"},
]}}  # fmt: skip


def test_each_allowed_action_is_a_grant_and_denies_are_not() -> None:
    found = grants(ROLE, POLICIES)
    assert [(g.sid, g.action) for g in found] == [
        ("WriteOwnLogs", "logs:PutLogEvents"), ("ReadWriteUsers", "dynamodb:GetItem"),
        ("ReadWriteUsers", "dynamodb:PutItem")]  # fmt: skip


def test_reasons_are_read_from_the_comment_above_a_sid(tmp_path: Path) -> None:
    (tmp_path / "modules").mkdir()
    (tmp_path / "modules" / "iam.tf").write_text(
        'statement {\n  # iam.report: the runtime writes logs\n  sid = "WriteOwnLogs"\n}\n'
        'statement {\n  # a plain comment\n  sid = "Other"\n}\n'
    )
    assert reasons(tmp_path) == {"WriteOwnLogs": "the runtime writes logs"}


def test_grants_no_call_matched_are_unused_unless_explained_and_denials_are_missing() -> None:
    recorded = {
        "used": [{"role": ROLE, "action": "dynamodb:PutItem", "resource": TABLE, "allowed_by": "x"}],
        "denials": [{"role": ROLE, "action": "secretsmanager:GetSecretValue", "resource": "arn:s"}] * 2,
    }
    (usage,) = measure({ROLE: POLICIES}, recorded, {"WriteOwnLogs": "the runtime writes logs"})
    assert [(g.sid, g.action) for g in usage.unused] == [("ReadWriteUsers", "dynamodb:GetItem")]
    assert [g.sid for g, _ in usage.explained] == ["WriteOwnLogs"]
    assert usage.denied == [("secretsmanager:GetSecretValue", "arn:s")] and usage.used == 1
    shown = lines([usage], verbose=True)
    assert shown[0] == "platform-local-users-function: 1 distinct calls, 1 unused grants, 1 denied"
    assert "  missing: secretsmanager:GetSecretValue on arn:s" in shown
    assert "  explained: WriteOwnLogs: logs:PutLogEvents (the runtime writes logs)" in shown


def test_a_role_no_function_ran_as_has_every_grant_unused() -> None:
    (usage,) = measure({ROLE: POLICIES}, {}, {})
    assert usage.used == 0 and len(usage.unused) == 3
