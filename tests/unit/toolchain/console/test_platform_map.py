"""The platform's map from a Terraform state: each kind of trigger and use, in the attribute shapes
the aws provider records (lists of blocks, alias-qualified ARNs, policies as JSON text)."""

from __future__ import annotations

import json
from typing import Any

from toolchain.console.platform_map import platform_map

ACCOUNT, REGION = "123456789012", "us-east-1"


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def _resource(kind: str, *instances: dict[str, Any], module: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "mode": "managed",
        "type": kind,
        "name": "this",
        "instances": [{"attributes": a} for a in instances],
    }
    if module:
        found["module"] = module
    return found


def _function(name: str) -> dict[str, Any]:
    return {
        "arn": _arn("lambda", f"function:{name}"),
        "function_name": name,
        "role": f"arn:aws:iam::{ACCOUNT}:role/{name}-role",
    }


STATE = {
    "resources": [
        _resource(
            "aws_lambda_function", _function("checkout"), _function("worker"), _function("step"), _function("idle")
        ),
        _resource(
            "aws_sqs_queue",
            {"arn": _arn("sqs", "work"), "name": "work"},
            {"arn": _arn("sqs", "failures"), "name": "failures"},
            {"arn": _arn("sqs", "audit"), "name": "audit"},
        ),
        _resource("aws_dynamodb_table", {"arn": _arn("dynamodb", "table/jobs"), "name": "jobs"}),
        _resource("aws_sns_topic", {"arn": _arn("sns", "events"), "name": "events"}),
        _resource("aws_s3_bucket", {"arn": "arn:aws:s3:::media", "bucket": "media"}),
        _resource("aws_cloudwatch_event_rule", {"arn": _arn("events", "rule/nightly"), "name": "nightly"}),
        _resource(
            "aws_sfn_state_machine",
            {
                "arn": _arn("states", "stateMachine:flow"),
                "name": "flow",
                "definition": json.dumps(
                    {
                        "States": {
                            "Step": {
                                "Resource": "arn:aws:states:::lambda:invoke",
                                "Parameters": {"FunctionName": _arn("lambda", "function:step:live")},
                            }
                        }
                    }
                ),
            },
        ),
        _resource(
            "aws_secretsmanager_secret", {"arn": _arn("secretsmanager", "secret:app/key-AbCdEf"), "name": "app/key"}
        ),
        _resource("aws_api_gateway_rest_api", {"id": "a1b2", "name": "api"}),
        _resource(
            "aws_api_gateway_integration",
            {
                "rest_api_id": "a1b2",
                "uri": f"arn:aws:apigateway:{REGION}:lambda:"
                f"path/2015-03-31/functions/{_arn('lambda', 'function:checkout:live')}/invocations",
            },
            module="module.api",
        ),
        _resource(
            "aws_lambda_event_source_mapping",
            {
                "event_source_arn": _arn("sqs", "work"),
                "function_name": _arn("lambda", "function:worker:live"),
                "destination_config": [],
            },
        ),
        _resource(
            "aws_s3_bucket_notification",
            {
                "bucket": "media",
                "lambda_function": [
                    {"lambda_function_arn": _arn("lambda", "function:worker:live"), "filter_prefix": "uploads/"}
                ],
                "queue": [],
                "topic": [],
            },
        ),
        _resource("aws_cloudwatch_event_target", {"rule": "nightly", "arn": _arn("lambda", "function:worker:live")}),
        _resource(
            "aws_sns_topic_subscription",
            {"topic_arn": _arn("sns", "events"), "endpoint": _arn("sqs", "audit"), "protocol": "sqs"},
        ),
        _resource(
            "aws_iam_role_policy",
            {
                "role": "checkout-role",
                "policy": json.dumps(
                    {
                        "Statement": [
                            {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": _arn("sqs", "work")},
                            {
                                "Effect": "Allow",
                                "Action": "secretsmanager:GetSecretValue",
                                "Resource": _arn("secretsmanager", "secret:app/key-??????"),
                            },
                            {"Effect": "Deny", "Action": "dynamodb:*", "Resource": "*"},
                        ]
                    }
                ),
            },
            {
                "role": "worker-role",
                "policy": json.dumps(
                    {
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["dynamodb:GetItem"],
                                "Resource": _arn("dynamodb", "table/jobs"),
                            },
                            {
                                "Effect": "Allow",
                                "Action": "dynamodb:UpdateItem",
                                "Resource": _arn("dynamodb", "table/jobs/index/*"),
                            },
                            {
                                "Effect": "Allow",
                                "Action": ["states:StartExecution"],
                                "Resource": _arn("states", "stateMachine:flow"),
                            },
                            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::media/uploads/*"},
                            {"Effect": "Allow", "Action": "sns:Publish", "Resource": _arn("sns", "events")},
                            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": _arn("sqs", "failures")},
                        ]
                    }
                ),
            },
        ),
        _resource(
            "aws_lambda_function_event_invoke_config",
            {
                "function_name": "worker",
                "destination_config": [{"on_failure": [{"destination": _arn("sqs", "failures")}], "on_success": []}],
            },
        ),
    ]
}


def test_each_trigger_and_use_the_state_records_is_an_edge() -> None:
    drawn = platform_map(STATE)
    label = {n["id"]: n["label"] for n in drawn["nodes"]}
    edges = {(label[e["from"]], e["kind"], e["detail"], label[e["to"]]) for e in drawn["edges"]}
    assert edges == {
        ("api", "trigger", "route", "checkout"),
        ("work", "trigger", "event source mapping", "worker"),
        ("media", "trigger", "uploads/*", "worker"),
        ("nightly", "trigger", "schedule", "worker"),
        ("flow", "trigger", "task", "step"),
        ("events", "trigger", "sqs", "audit"),
        ("checkout", "uses", "writes", "work"),
        ("checkout", "uses", "reads", "app/key"),  # the policy's "-??????" suffix names the secret
        ("worker", "uses", "writes", "jobs"),  # a read and a write of one table (its index) is a write
        ("worker", "uses", "writes", "flow"),
        ("worker", "uses", "reads", "media"),
        ("worker", "uses", "writes", "events"),
        ("worker", "on_failure", "failed events", "failures"),  # not also a "uses": it is the destination
    }
    kinds = {n["label"]: n["kind"] for n in drawn["nodes"]}
    assert kinds["idle"] == "function"  # a function nothing triggers is still on the map
    assert kinds["api"] == "api" and kinds["flow"] == "workflow" and kinds["app/key"] == "secret"


def test_an_empty_or_foreign_state_is_an_empty_map() -> None:
    assert platform_map({}) == {"nodes": [], "edges": []}
    assert platform_map({"resources": [{"mode": "data", "type": "aws_iam_policy_document", "instances": []}]}) == {
        "nodes": [],
        "edges": [],
    }
