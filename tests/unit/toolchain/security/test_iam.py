"""The IAM audit over `terraform show -json` plans, built here in the shape Terraform writes them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolchain.security.iam import audit_plan


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions: list[str] | str, resources: list[str] | str, sid: str = "S") -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}


def resource(kind: str, address: str, **values: Any) -> dict[str, Any]:
    return {"address": address, "type": kind, "name": address.rsplit(".", 1)[-1], "values": values}


def function_module(name: str, statements: list[dict[str, Any]], role: str | None = None) -> dict[str, Any]:
    arn = f"arn:aws:iam::123456789012:role/{name}-function"
    return {
        "address": f"module.{name}",
        "resources": [
            resource("aws_iam_role", f"module.{name}.aws_iam_role.this", arn=arn, assume_role_policy=policy(
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}
            )),
            resource("aws_iam_role_policy", f"module.{name}.aws_iam_role_policy.this", policy=policy(*statements)),
            resource("aws_lambda_function", f"module.{name}.aws_lambda_function.this", role=role or arn),
        ],
    }  # fmt: skip


def plan(*modules: dict[str, Any], root: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"planned_values": {"root_module": {"resources": root or [], "child_modules": list(modules)}}}


TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/users"
TRACES = allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*", "WriteTraces")


def test_least_privilege_functions_with_their_own_roles_pass() -> None:
    audit = audit_plan(
        plan(
            function_module("users", [allow(["dynamodb:GetItem", "dynamodb:PutItem"], TABLE), TRACES]),
            function_module("etl", [allow("dynamodb:BatchWriteItem", [TABLE]), TRACES]),
        )
    )

    assert audit.ok, audit.findings
    assert (audit.functions, audit.roles, audit.policies) == (2, 2, 4)
    assert sorted(audit.resource_star) == ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]


def test_wildcard_actions_are_findings_in_every_form() -> None:
    audit = audit_plan(plan(function_module("users", [allow(["s3:*", "dynamodb:Get*", "*"], TABLE)])))

    assert len(audit.findings) == 3
    assert all("wildcard action" in finding for finding in audit.findings)


def test_resource_star_is_a_finding_for_actions_that_support_resources() -> None:
    audit = audit_plan(plan(function_module("users", [allow(["dynamodb:GetItem", "xray:PutTraceSegments"], "*")])))

    assert audit.findings == [
        "module.users.aws_iam_role_policy.this [S]: dynamodb:GetItem on Resource '*' (it supports narrower resources)"
    ]


def test_not_action_and_not_resource_in_allow_are_findings() -> None:
    statement = {"Effect": "Allow", "NotAction": "iam:*", "NotResource": TABLE}

    audit = audit_plan(plan(function_module("users", [statement])))

    assert len(audit.findings) == 2


def test_deny_statements_may_use_wildcards() -> None:
    tls_only = {
        "Effect": "Deny", "Action": "s3:*", "Principal": "*", "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }  # fmt: skip
    bucket_policy = resource("aws_s3_bucket_policy", "aws_s3_bucket_policy.this", policy=policy(tls_only))

    assert audit_plan(plan(root=[bucket_policy])).ok


def test_resource_policy_open_to_anyone_without_condition_is_a_finding() -> None:
    open_queue = {"Effect": "Allow", "Action": "sqs:SendMessage", "Principal": {"AWS": "*"}, "Resource": "arn:q"}
    queue_policy = resource("aws_sqs_queue_policy", "aws_sqs_queue_policy.this", policy=policy(open_queue))

    assert audit_plan(plan(root=[queue_policy])).findings == [
        "aws_sqs_queue_policy.this [#0]: Allow to Principal '*' without a condition"
    ]


def test_a_role_shared_by_two_functions_is_a_finding() -> None:
    shared = "arn:aws:iam::123456789012:role/users-function"

    audit = audit_plan(plan(function_module("users", [TRACES]), function_module("etl", [TRACES], role=shared)))

    assert any("shared by module.etl.aws_lambda_function.this, module.users.aws_lambda_function.this" in f
               for f in audit.findings)  # fmt: skip


def test_a_role_from_outside_the_configuration_is_a_finding() -> None:
    module = function_module("users", [TRACES], role="arn:aws:iam::123456789012:role/admin")

    assert any("not declared in this configuration" in f for f in audit_plan(plan(module)).findings)


def test_managed_policy_attachments_are_findings() -> None:
    attachment = resource(
        "aws_iam_role_policy_attachment", "aws_iam_role_policy_attachment.admin",
        policy_arn="arn:aws:iam::aws:policy/AdministratorAccess",
    )  # fmt: skip

    assert "AdministratorAccess" in audit_plan(plan(root=[attachment])).findings[0]


def test_values_unknown_at_plan_time_say_to_deploy_first() -> None:
    module = function_module("users", [TRACES])
    for item in module["resources"]:
        item["values"].pop("policy", None)
        item["values"].pop("role", None)

    findings = audit_plan(plan(module)).findings

    assert any("not known at plan time" in f for f in findings)
    assert any("role not known" in f for f in findings)


def permission(**values: Any) -> dict[str, Any]:
    base = {"action": "lambda:InvokeFunction", "principal": "sns.amazonaws.com", "source_arn": "arn:aws:sns:x:1:t"}
    return resource("aws_lambda_permission", "aws_lambda_permission.this", **{**base, **values})


def test_invoke_permissions_bound_to_their_source_pass() -> None:
    s3 = permission(principal="s3.amazonaws.com", source_arn="arn:aws:s3:::media", source_account="123456789012")
    audit = audit_plan(plan(root=[permission(), s3]))

    assert audit.ok and audit.invoke_permissions == 2


@pytest.mark.parametrize(
    ("values", "finding"),
    [
        ({"source_arn": None}, "from any resource, in any account"),
        ({"principal": "s3.amazonaws.com", "source_arn": "arn:aws:s3:::media"}, "without source_account"),
        ({"principal": "*"}, "lets principal '*' invoke"),
        ({"principal": "123456789012"}, "lets principal '123456789012' invoke"),
        ({"action": "lambda:*"}, "not only lambda:InvokeFunction"),
    ],
)
def test_invoke_permissions_open_to_more_are_findings(values: dict[str, Any], finding: str) -> None:
    (result,) = audit_plan(plan(root=[permission(**values)])).findings

    assert finding in result
