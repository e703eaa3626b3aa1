"""The operator's table: readable at a glance, nothing from the outputs left out."""

from __future__ import annotations

from typing import Any

import pytest

from toolchain.display import environment_report


def outputs(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "region": "eu-west-1",
        "deployed_target": "python3.12-arm64",
        "deployed_manifest_sha256": "ab" * 32,
        "api_url": "https://abc.execute-api.eu-west-1.amazonaws.com/prod",
        "dashboard_name": "platform-prod-platform",
        "functions": {
            "users": {
                "function_name": "platform-prod-users",
                "version": "7",
                "memory_size": 512,
                "source_code_hash": "u" * 43 + "=",
            },
            "authorizer": {
                "function_name": "platform-prod-authorizer",
                "version": "12",
                "memory_size": 256,
                "source_code_hash": "a" * 43 + "=",
            },
        },
        "queues": {"work": "https://sqs/work", "work_dead_letter": None},
        "topics": {"alarms": "arn:aws:sns:eu-west-1:1:alarms"},
        "alarm_names": [f"platform-prod-{n}" for n in ("users-errors", "users-throttles", "work-dlq-not-empty")],
        "alarm_topic_arn": "arn:aws:sns:eu-west-1:1:alarms",
    }
    return values | overrides


def test_the_header_says_where_and_what() -> None:
    first = environment_report("prod", "aws", outputs()).splitlines()[0]
    assert first == "prod on the aws  (eu-west-1, build python3.12-arm64, manifest abababababab)"


def test_every_function_with_its_version_hash_and_memory_in_name_order() -> None:
    lines = environment_report("prod", "aws", outputs()).splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("function"))
    assert lines[header + 1].split() == ["authorizer", "12", "a" * 43 + "=", "256", "platform-prod-authorizer"]
    assert lines[header + 2].split() == ["users", "7", "u" * 43 + "=", "512", "platform-prod-users"]


def test_queues_topics_and_every_alarm_are_listed() -> None:
    text = environment_report("prod", "aws", outputs())
    assert "  work                 https://sqs/work" in text
    assert "  work_dead_letter     -" in text
    assert "arn:aws:sns:eu-west-1:1:alarms" in text
    assert "alarms (3, to arn:aws:sns:eu-west-1:1:alarms):" in text
    assert all(name in text for name in outputs()["alarm_names"])


def test_the_local_url_is_shown_only_when_there_is_one() -> None:
    assert "served at" not in environment_report("prod", "aws", outputs())
    assert "  served at http://127.0.0.1:9/dev" in environment_report(
        "dev", "emulator", outputs(), "http://127.0.0.1:9/dev"
    )


def test_an_environment_without_an_api_or_functions_still_reads() -> None:
    text = environment_report("dev", "emulator", {"region": "us-east-1"})
    assert "API        -" in text and "alarms (0, to -):" in text


@pytest.mark.documents("environments.md", "The operator's view")
def test_the_version_live_serves_is_shown_beside_terraforms_and_a_canarys_share() -> None:
    functions = outputs()["functions"]
    functions["users"]["live"] = {"version": "6", "weights": {}}  # rolled back from 7
    functions["authorizer"]["live"] = {"version": "12", "weights": {"13": 0.1}}  # a 10% canary of 13
    lines = environment_report("prod", "aws", outputs(functions=functions)).splitlines()
    assert any(line.startswith("users") and " 6 (7) " in line for line in lines)
    assert any(line.startswith("authorizer") and " 12 +13 10% (12) " in line for line in lines)


def test_alarms_in_alarm_come_first_by_name() -> None:
    states = {"platform-prod-users-errors": "OK", "platform-prod-users-throttles": "ALARM",
              "platform-prod-work-dlq-not-empty": "INSUFFICIENT_DATA"}  # fmt: skip
    text = environment_report("prod", "aws", outputs(alarm_states=states))
    assert "alarms (3, 1 in ALARM, to" in text
    alarm_lines = text.split("alarms (", 1)[1].splitlines()[1:]
    assert alarm_lines[0] == "  ALARM  platform-prod-users-throttles"
