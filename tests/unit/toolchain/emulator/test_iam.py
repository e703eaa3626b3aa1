"""IAM as the emulator applies it to functions: the resources a call names, statement-by-statement
evaluation with its explanation, session keys, and enforcement switched off."""

from __future__ import annotations

import json

import pytest
from moto import mock_aws

from toolchain.emulator.iam.enforcement import Authorisations, explain
from toolchain.emulator.iam.evaluation import Policy, evaluate
from toolchain.emulator.iam.requests import Call, authorisations
from toolchain.emulator.iam.sessions import RoleSessions, access_key_of, signing_service

ACCOUNT, REGION = "123456789012", "eu-west-1"


def _call(service: str, operation: str, path: str = "/", **params: object) -> Call:
    return Call(service, operation, ACCOUNT, REGION, dict(params), path)


def _table(name: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (_call("dynamodb", "PutItem", TableName="users"), [("dynamodb:PutItem", _table("users"))]),
        (
            _call("dynamodb", "Query", TableName="users", IndexName="byEntity"),
            [("dynamodb:Query", _table("users") + "/index/byEntity")],
        ),
        (
            _call("dynamodb", "BatchWriteItem", RequestItems={"b": [], "a": []}),
            [("dynamodb:BatchWriteItem", _table("a")), ("dynamodb:BatchWriteItem", _table("b"))],
        ),
        (
            _call(
                "dynamodb",
                "TransactWriteItems",
                TransactItems=[
                    {"Put": {"TableName": "users"}},
                    {"ConditionCheck": {"TableName": "emails"}},
                    {"Update": {"TableName": "users"}},
                    {"Delete": {"TableName": "users"}},
                ],
            ),
            [
                ("dynamodb:PutItem", _table("users")),
                ("dynamodb:ConditionCheckItem", _table("emails")),
                ("dynamodb:UpdateItem", _table("users")),
                ("dynamodb:DeleteItem", _table("users")),
            ],
        ),
        (
            _call("sqs", "SendMessageBatch", QueueUrl=f"http://127.0.0.1:5000/{ACCOUNT}/jobs"),
            [("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs")],
        ),
        (_call("sns", "Publish", TopicArn="arn:aws:sns:eu-west-1:1:t"), [("sns:Publish", "arn:aws:sns:eu-west-1:1:t")]),
        (
            _call("lambda", "Invoke", "/2015-03-31/functions/users/invocations", Qualifier="live"),
            [("lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:users:live")],
        ),
        (
            _call("lambda", "GetFunctionConfiguration", "/2015-03-31/functions/users/configuration"),
            [("lambda:GetFunctionConfiguration", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:users")],
        ),
        (_call("states", "StartExecution", stateMachineArn="arn:sm"), [("states:StartExecution", "arn:sm")]),
        (_call("kinesis", "GetRecords", StreamARN="arn:k"), [("kinesis:GetRecords", "arn:k")]),
        (
            _call("ssm", "GetParameter", Name="/app/url"),
            [("ssm:GetParameter", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/app/url")],
        ),
        (
            _call("events", "PutEvents", Entries=[{}]),
            [("events:PutEvents", f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default")],
        ),
        (_call("monitoring", "PutMetricData"), [("cloudwatch:PutMetricData", "*")]),
        (_call("dynamodb", "ListTables"), [("dynamodb:ListTables", "*")]),
        (_call("sts", "GetCallerIdentity"), []),  # needs no permission on AWS
    ],
)
def test_a_call_is_authorised_on_the_resources_it_names(call: Call, expected: list[tuple[str, str]]) -> None:
    assert authorisations(call) == expected


def _arn(service: str, rest: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{rest}"


ROLE = f"arn:aws:iam::{ACCOUNT}:role/platform-dev-users-function"


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (_call("iam", "PutRolePolicy", RoleName="platform-dev-users-function"), [("iam:PutRolePolicy", ROLE)]),
        (_call("iam", "GetUser"), [("iam:GetUser", "*")]),
        (
            _call("lambda", "CreateFunction", "/2015-03-31/functions", FunctionName="platform-dev-users", Role=ROLE),
            [("lambda:CreateFunction", _arn("lambda", "function:platform-dev-users")), ("iam:PassRole", ROLE)],
        ),
        (
            _call("lambda", "PublishLayerVersion", "/2018-10-31/layers/platform-dev-dependencies/versions"),
            [("lambda:PublishLayerVersion", _arn("lambda", "layer:platform-dev-dependencies"))],
        ),
        (
            _call("lambda", "GetLayerVersion", "/2018-10-31/layers/platform-dev-dependencies/versions/3"),
            [("lambda:GetLayerVersion", _arn("lambda", "layer:platform-dev-dependencies:3"))],
        ),
        (
            _call("lambda", "DeleteEventSourceMapping", "/2015-03-31/event-source-mappings/0f1e"),
            [("lambda:DeleteEventSourceMapping", _arn("lambda", "event-source-mapping:0f1e"))],
        ),
        (
            _call("states", "CreateStateMachine", name="platform-dev-order-workflow", roleArn=ROLE),
            [("states:CreateStateMachine", _arn("states", "stateMachine:platform-dev-order-workflow")),
             ("iam:PassRole", ROLE)],
        ),
        (
            _call("events", "PutTargets", Rule="platform-dev-sweep", Targets=[{"Id": "a", "RoleArn": ROLE}, {"Id": "b"}]),
            [("events:PutTargets", _arn("events", "rule/platform-dev-sweep")), ("iam:PassRole", ROLE)],
        ),
        (_call("events", "PutRule", Name="r", EventBusName="bus"), [("events:PutRule", _arn("events", "rule/bus/r"))]),
        (_call("logs", "CreateLogGroup", logGroupName="/aws/lambda/f"),
         [("logs:CreateLogGroup", _arn("logs", "log-group:/aws/lambda/f"))]),
        (_call("logs", "DescribeLogGroups"), [("logs:DescribeLogGroups", "*")]),
        (
            _call("monitoring", "DeleteAlarms", **{"AlarmNames.member.1": "a", "AlarmNames.member.2": "b"}),
            [("cloudwatch:DeleteAlarms", _arn("cloudwatch", "alarm:a")),
             ("cloudwatch:DeleteAlarms", _arn("cloudwatch", "alarm:b"))],
        ),
        (_call("monitoring", "DescribeAlarms", **{"AlarmNames.member.1": "a"}), [("cloudwatch:DescribeAlarms", "*")]),
        (_call("monitoring", "PutDashboard", DashboardName="d"),
         [("cloudwatch:PutDashboard", f"arn:aws:cloudwatch::{ACCOUNT}:dashboard/d")]),
        (
            _call("kms", "CreateAlias", AliasName="alias/platform-dev-messaging", TargetKeyId="1234"),
            [("kms:CreateAlias", _arn("kms", "alias/platform-dev-messaging")), ("kms:CreateAlias", _arn("kms", "key/1234"))],
        ),
        (_call("kms", "CreateKey"), [("kms:CreateKey", "*")]),
        (_call("sns", "CreateTopic", Name="alerts"), [("sns:CreateTopic", _arn("sns", "alerts"))]),
        (_call("secretsmanager", "CreateSecret", Name="platform-dev/key"),
         [("secretsmanager:CreateSecret", _arn("secretsmanager", "secret:platform-dev/key"))]),
        (_call("ssm", "ListTagsForResource", ResourceType="Parameter", ResourceId="/p/x"),
         [("ssm:ListTagsForResource", _arn("ssm", "parameter/p/x"))]),
    ],
)  # fmt: skip
def test_the_control_plane_is_authorised_on_the_resources_it_names(call: Call, expected: list[tuple[str, str]]) -> None:
    assert authorisations(call) == expected


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
def test_api_gateways_management_calls_are_http_verbs_on_paths(method: str) -> None:
    call = Call("apigateway", "Whatever", ACCOUNT, REGION, {}, "/restapis/a1/resources/r2", method)
    assert authorisations(call) == [(f"apigateway:{method}", f"arn:aws:apigateway:{REGION}::/restapis/a1/resources/r2")]


def test_a_secret_asked_by_name_is_judged_by_its_full_arn() -> None:
    full = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:app/key-AbC123"
    found = authorisations(_call("secretsmanager", "GetSecretValue", SecretId="app/key"),
                           lambda account, region, secret: full if secret == "app/key" else None)  # fmt: skip
    assert found == [("secretsmanager:GetSecretValue", full)]


POLICY = Policy("fn-least-privilege", {"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "dynamodb:Get*", "Resource": _table("users")},
    {"Effect": "Allow", "Action": "dynamodb:*", "Resource": _table("*")},
    {"Sid": "NoDeletes", "Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"},
]})  # fmt: skip


def test_the_first_allowing_statement_is_named_and_an_explicit_deny_wins() -> None:
    allowed = evaluate([POLICY], "dynamodb:GetItem", _table("users"))
    assert (allowed.allowed, allowed.allowed_by) == (True, "fn-least-privilege/Read")
    assert evaluate([POLICY], "dynamodb:PutItem", _table("orders")).allowed_by == "fn-least-privilege/statement 2"
    denied = evaluate([POLICY], "dynamodb:DeleteItem", _table("users"))
    assert (denied.allowed, denied.denied_by) == (False, "fn-least-privilege/NoDeletes")
    assert denied.reason == "with an explicit deny in an identity-based policy"
    nothing = evaluate([POLICY], "sqs:SendMessage", "arn:aws:sqs:eu-west-1:1:q")
    assert (nothing.allowed, nothing.denied_by) == (False, None)
    assert nothing.reason == "because no identity-based policy allows the sqs:SendMessage action"


def test_session_keys_are_stable_per_role_and_found_from_the_signature() -> None:
    sessions = RoleSessions("instance-1")
    role = f"arn:aws:iam::{ACCOUNT}:role/platform-local-users"
    first, again = (
        sessions.credentials(role, "platform-local-users"),
        sessions.credentials(role, "platform-local-users"),
    )
    assert first == again and first["AWS_ACCESS_KEY_ID"].startswith("ASIA") and len(first["AWS_ACCESS_KEY_ID"]) == 20
    assert RoleSessions("instance-2").credentials(role, "platform-local-users") != first
    headers = {"Authorization": f"AWS4-HMAC-SHA256 Credential={first['AWS_ACCESS_KEY_ID']}/20261207/{REGION}/"
                                "dynamodb/aws4_request, SignedHeaders=host, Signature=abc"}  # fmt: skip
    session = sessions.find(access_key_of(headers))
    assert session is not None and session.principal == (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/platform-local-users/platform-local-users"
    )
    assert signing_service(headers) == "dynamodb"
    assert sessions.find(access_key_of({"Authorization": "AWS4-HMAC-SHA256 Credential=AKIAOPERATOR/x/y/z/w"})) is None
    assert (
        access_key_of({}, {"X-Amz-Credential": [f"{first['AWS_ACCESS_KEY_ID']}/20261207/x/s3/aws4_request"]})
        == first["AWS_ACCESS_KEY_ID"]
    )


@pytest.mark.documents("emulator.md", "Enforcement can be turned off to explore")
def test_with_enforcement_off_a_denial_is_logged_as_not_enforced() -> None:
    with mock_aws():
        import boto3

        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        iam.put_role_policy(RoleName="fn", PolicyName="fn-least-privilege", PolicyDocument=json.dumps(POLICY.document))
        lines: list[str] = []
        checks = Authorisations(RoleSessions("x"), log=lines.append, enforced=False)
        key = checks.sessions.credentials(role, "fn")["AWS_ACCESS_KEY_ID"]
        session = checks.sessions.find(key)
        assert session is not None
        decision = checks.judge(session, "sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q")
        assert not decision.allowed
        assert lines == [explain(session, decision, enforced=False)]
        assert "AccessDenied (not enforced: EMULATOR_ENFORCE_IAM=0)" in lines[0]
        assert 'actions = ["sqs:SendMessage"]' in lines[0]
        checks.judge(session, "dynamodb:PutItem", _table("orders"))
        report = checks.to_json()
        assert report["enforced"] is False and len(report["denials"]) == 1
        assert [u["allowed_by"] for u in report["used"]] == ["fn-least-privilege/statement 2"]
        # a role deleted under a running function allows nothing
        iam.delete_role_policy(RoleName="fn", PolicyName="fn-least-privilege")
        iam.delete_role(RoleName="fn")
        gone = checks.judge(session, "dynamodb:GetItem", _table("users"))
        assert not gone.allowed and "role fn does not exist" in lines[-1]


FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:users"
API = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:a1b2c3"


def _permission(sid: str, source: str, resource: str = f"{FUNCTION}:live", effect: str = "Allow",
                principal: object = None) -> dict[str, object]:  # fmt: skip
    return {"Sid": sid, "Effect": effect, "Action": "lambda:InvokeFunction", "Resource": resource,
            "Principal": principal or {"Service": "apigateway.amazonaws.com"},
            "Condition": {"ArnLike": {"AWS:SourceArn": source}}}  # fmt: skip


@pytest.mark.parametrize(
    ("statements", "invoked", "source", "expected"),
    [
        ([_permission("Routes", f"{API}/*/*")], f"{FUNCTION}:live", f"{API}/local/GET/users", "Routes"),
        # another API, another alias, another service, no condition match
        ([_permission("Routes", f"{API}/*/*")], f"{FUNCTION}:live", f"{API[:-1]}9/local/GET/users", None),
        ([_permission("Routes", f"{API}/*/*")], f"{FUNCTION}:2", f"{API}/local/GET/users", None),
        ([_permission("Routes", f"{API}/*/*", principal={"Service": "s3.amazonaws.com"})], f"{FUNCTION}:live",
         f"{API}/local/GET/users", None),
        ([_permission("Auth", f"{API}/authorizers/x1")], f"{FUNCTION}:live", f"{API}/authorizers/x2", None),
        # a matching Deny wins; an unknown condition operator never grants
        ([_permission("Routes", f"{API}/*/*"), _permission("No", f"{API}/*", effect="Deny")], f"{FUNCTION}:live",
         f"{API}/local/GET/users", None),
        ([{**_permission("Odd", f"{API}/*/*"), "Condition": {"DateGreaterThan": {"aws:SourceArn": "x"}}}],
         f"{FUNCTION}:live", f"{API}/local/GET/users", None),
        ([{**_permission("Acct", ""), "Condition": {"StringEquals": {"AWS:SourceAccount": ACCOUNT}}}],
         f"{FUNCTION}:live", f"{API}/local/GET/users", "Acct"),
    ],
)  # fmt: skip
def test_lambdas_resource_policy_decides_who_may_invoke(
    statements: list[dict[str, object]], invoked: str, source: str, expected: str | None
) -> None:
    from toolchain.emulator.iam.resource_policies import Invoker, allowing_statement

    assert allowing_statement(statements, invoked, Invoker("apigateway.amazonaws.com", source, ACCOUNT)) == expected


def test_the_permission_hint_names_the_terraform_to_add() -> None:
    from toolchain.emulator.iam.resource_policies import Invoker, permission_hint

    hint = permission_hint(f"{FUNCTION}:live", Invoker("apigateway.amazonaws.com", f"{API}/local/GET/users", ACCOUNT))
    assert hint == (f'aws_lambda_permission {{ function_name = "users", qualifier = "live", principal = '
                    f'"apigateway.amazonaws.com", source_arn = "{API}/local/GET/users" }}')  # fmt: skip


ROLE = f"arn:aws:iam::{ACCOUNT}:role/users-fn"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/users-fn/users"
BUCKET_OBJECTS = "arn:aws:s3:::media/*"


def _bucket_statement(sid: str, effect: str, principal: object, action: str = "s3:GetObject") -> dict[str, object]:
    return {"Sid": sid, "Effect": effect, "Principal": principal, "Action": action, "Resource": BUCKET_OBJECTS}


@pytest.mark.parametrize(
    ("principal", "effect", "applies"),
    [
        ("*", "Allow", True),
        ({"AWS": "*"}, "Deny", True),
        ({"AWS": ROLE}, "Allow", True),
        ({"AWS": [SESSION]}, "Allow", True),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:role/other"}, "Deny", False),
        # the account as principal: denies all of its callers, but an Allow only delegates to IAM
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Deny", True),
        ({"AWS": ACCOUNT}, "Deny", True),
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Allow", False),
        ({"Service": "s3.amazonaws.com"}, "Allow", False),
    ],
)  # fmt: skip
def test_a_resource_policy_statement_applies_to_the_callers_it_names(
    principal: object, effect: str, applies: bool
) -> None:
    from toolchain.emulator.iam.resource_based import for_caller

    found = for_caller(Policy("bucket policy of media", {"Statement": [_bucket_statement("S", effect, principal)]}),
                       ROLE, SESSION)  # fmt: skip
    assert (found is not None) == applies
    if found is not None:
        assert "Principal" not in found.statements[0]


def test_identity_and_resource_policies_combine_as_within_one_account() -> None:
    from toolchain.emulator.iam.evaluation import combine

    resource = Policy("bucket policy of media", {"Statement": [
        {"Sid": "Reads", "Effect": "Allow", "Action": "s3:GetObject", "Resource": BUCKET_OBJECTS},
        {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": BUCKET_OBJECTS}]})  # fmt: skip
    identity = Policy("fn", {"Statement": [{"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    nothing = Policy("fn", {"Statement": []})
    obj = "arn:aws:s3:::media/a.jpg"

    def decide(identity_policy: Policy, action: str):  # type: ignore[no-untyped-def]
        return combine(evaluate([identity_policy], action, obj), evaluate([resource], action, obj))

    # an Allow in either is enough
    assert decide(nothing, "s3:GetObject").allowed_by == "bucket policy of media/Reads"
    assert decide(identity, "s3:PutObject").allowed_by == "fn/All"
    # a Deny in either wins, and the message says which kind of policy it is in
    denied = decide(identity, "s3:DeleteObject")
    assert (denied.allowed, denied.denied_by) == (False, "bucket policy of media/NoDeletes")
    assert denied.reason == "with an explicit deny in a resource-based policy"
    assert decide(nothing, "s3:PutObject").allowed is False
    assert combine(evaluate([identity], "s3:PutObject", obj), None).allowed_by == "fn/All"


def test_a_topic_policy_matches_actions_in_any_case_and_the_source_owner() -> None:
    from toolchain.emulator.iam.resource_policies import Invoker, allowing_statement

    topic = f"arn:aws:sns:eu-west-1:{ACCOUNT}:alarms"
    default = {"Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
               "Action": ["SNS:Subscribe", "SNS:Publish"], "Resource": topic,
               "Condition": {"StringEquals": {"AWS:SourceOwner": ACCOUNT}}}  # fmt: skip
    alarm = f"arn:aws:cloudwatch:eu-west-1:{ACCOUNT}:alarm:errors"
    assert allowing_statement([default], topic, Invoker("cloudwatch.amazonaws.com", alarm, ACCOUNT), "sns:Publish")
    stranger = Invoker("cloudwatch.amazonaws.com", alarm, "999999999999")
    assert allowing_statement([default], topic, stranger, "sns:Publish") is None
