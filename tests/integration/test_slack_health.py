"""What `/status` checks (adapters.py's PlatformHealth) against moto: each table's status and each
function's state, tables first, a resource that cannot be read named with AWS's error code."""

from __future__ import annotations

import io
import json
import zipfile

import boto3
import pytest

from lambdas.services.slack.adapters import PlatformHealth
from lambdas.services.slack.commands import Check

pytestmark = pytest.mark.documents("services.md", "Commands, within Slack's 3 seconds")


def _function(name: str) -> None:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]}  # fmt: skip
    arn = boto3.client("iam", region_name="us-east-1").create_role(
        RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]  # fmt: skip
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
    boto3.client("lambda", region_name="us-east-1").create_function(
        FunctionName=name, Runtime="python3.12", Role=arn, Handler="app.handler", Code={"ZipFile": code.getvalue()})  # fmt: skip


def test_each_table_and_function_is_checked_tables_first(moto_aws: None) -> None:
    boto3.client("dynamodb", region_name="us-east-1").create_table(
        TableName="users", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    )  # fmt: skip
    _function("users-fn")
    checks = PlatformHealth(["users", "gone-table"], ["users-fn", "gone-fn"]).checks()
    assert checks == [
        Check("table users", True, "ACTIVE"),
        Check("table gone-table", False, "ResourceNotFoundException"),
        Check("function users-fn", True, "Active"),
        Check("function gone-fn", False, "ResourceNotFoundException"),
    ]


def test_nothing_to_check_is_said_as_such(moto_aws: None) -> None:
    assert PlatformHealth([], []).checks() == [Check("platform", True, "no resources configured to check")]
