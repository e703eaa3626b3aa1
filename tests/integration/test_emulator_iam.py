"""The emulator authorises each function's calls against its execution role, as AWS does: the
resources named, explicit denies, each service's own error, and a log line that says what to grant."""

from __future__ import annotations

import io
import json
import textwrap
import time
import urllib.request
import zipfile
from typing import Any

import botocore.exceptions
import pytest

from toolchain.emulator.control import EmulatorControl

ACCOUNT = "123456789012"
HANDLER = """
import boto3, botocore.exceptions

CALLS = {
    "put_item": lambda e: boto3.client("dynamodb").put_item(TableName=e["table"], Item={"id": {"S": "1"}}),
    "get_item": lambda e: boto3.client("dynamodb").get_item(TableName=e["table"], Key={"id": {"S": "1"}}),
    "query_index": lambda e: boto3.client("dynamodb").query(TableName=e["table"], IndexName="byName",
        KeyConditionExpression="#n = :n", ExpressionAttributeNames={"#n": "name"},
        ExpressionAttributeValues={":n": {"S": "x"}}),
    "transact": lambda e: boto3.client("dynamodb").transact_write_items(TransactItems=[
        {"Put": {"TableName": e["table"], "Item": {"id": {"S": "2"}}}},
        {"ConditionCheck": {"TableName": e["table"], "Key": {"id": {"S": "1"}},
                            "ConditionExpression": "attribute_exists(id)"}}]),
    "secret": lambda e: boto3.client("secretsmanager").get_secret_value(SecretId=e["secret"]),
    "send": lambda e: boto3.client("sqs").send_message(QueueUrl=e["queue"], MessageBody="hi"),
    "publish": lambda e: boto3.client("sns").publish(TopicArn=e["topic"], Message="hi"),
    "get_object": lambda e: boto3.client("s3").get_object(Bucket=e["bucket"], Key=e["key"]),
    "put_object": lambda e: boto3.client("s3").put_object(Bucket=e["bucket"], Key=e["key"], Body=b"x"),
}

def handler(event, context):
    try:
        CALLS[event["call"]](event)
    except botocore.exceptions.ClientError as exc:
        return {"code": exc.response["Error"]["Code"], "message": exc.response["Error"].get("Message", ""),
                "status": exc.response["ResponseMetadata"]["HTTPStatusCode"]}
    return {"code": "ok"}
"""


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("app.py", textwrap.dedent(HANDLER))
    return out.getvalue()


@pytest.fixture(scope="module")
def world(clients: dict[str, Any], emulator: str) -> dict[str, Any]:
    from toolchain.emulator.clients import emulator_client

    ddb, sm, sns = (emulator_client(n, emulator) for n in ("dynamodb", "secretsmanager", "sns"))
    ddb.create_table(TableName="users", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                                           {"AttributeName": "name", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     GlobalSecondaryIndexes=[{"IndexName": "byName", "Projection": {"ProjectionType": "ALL"},
                                              "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}]}])  # fmt: skip
    secret = sm.create_secret(Name="app/signing-key", SecretString="s3cret")["ARN"]
    other_secret = sm.create_secret(Name="app/other-key", SecretString="other")["ARN"]
    queue = clients["sqs"].create_queue(QueueName="jobs")["QueueUrl"]
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    clients["s3"].create_bucket(Bucket="media")
    clients["s3"].put_object(Bucket="media", Key="uploads/a.jpg", Body=b"jpeg")
    clients["s3"].put_object(Bucket="media", Key="private/b.jpg", Body=b"jpeg")
    table = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/users"
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Users", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"],
         "Resource": [table, f"{table}/index/byName"]},
        {"Sid": "TransactPut", "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": table,
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},  # never holds: TLS is always on
        {"Sid": "SigningKey", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
         "Resource": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:app/signing-key-*"},
        {"Sid": "Jobs", "Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
        {"Sid": "NoJobs", "Effect": "Deny", "Action": "sqs:SendMessage",
         "Resource": f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"},
        {"Sid": "Uploads", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::media/uploads/*"},
    ]}  # fmt: skip
    iam = clients["iam"]
    role = iam.create_role(RoleName="narrow", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    iam.put_role_policy(RoleName="narrow", PolicyName="narrow-least-privilege", PolicyDocument=json.dumps(policy))
    name = f"narrow-{time.time_ns()}"
    clients["lambda"].create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                                      Code={"ZipFile": _zip()}, Timeout=20)  # fmt: skip
    return {"function": name, "table": "users", "secret": secret, "other_secret": other_secret, "queue": queue,
            "topic": topic, "bucket": "media", "role": role}  # fmt: skip


def _call(clients: dict[str, Any], world: dict[str, Any], call: str, **event: Any) -> dict[str, Any]:
    payload = {"call": call, **{k: world[k] for k in ("table", "queue", "topic", "bucket")}, **event}
    response = clients["lambda"].invoke(FunctionName=world["function"], Payload=json.dumps(payload))
    assert "FunctionError" not in response, response["Payload"].read()
    return json.loads(response["Payload"].read())


def _principal(world: dict[str, Any]) -> str:
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/narrow/{world['function']}"


@pytest.mark.documents("emulator.md", "Each function calls AWS as its role", "Every denial is explained")
def test_a_call_no_statement_allows_fails_as_on_aws_and_the_log_says_what_to_grant(
    clients: dict[str, Any], world: dict[str, Any], control: EmulatorControl
) -> None:
    # GIVEN a role that may read the users table but not write it
    # WHEN the function puts an item
    result = _call(clients, world, "put_item")
    # THEN DynamoDB's own AccessDeniedException, naming the principal, the action and the table
    table = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/users"
    assert (result["code"], result["status"]) == ("AccessDeniedException", 400)
    assert result["message"] == (f"User: {_principal(world)} is not authorized to perform: dynamodb:PutItem on "
                                 f"resource: {table} because no identity-based policy allows the dynamodb:PutItem "
                                 "action")  # fmt: skip
    # AND the emulator's log names the policy read and the statement that would allow it
    line = next(
        x for x in control.log_file.read_text().splitlines() if "iam: AccessDenied" in x and world["function"] in x
    )
    assert "policies read: narrow-least-privilege" in line
    assert f'actions = ["dynamodb:PutItem"], resources = ["{table}"]' in line
    # AND the control API lists the denial
    with urllib.request.urlopen(f"{control.require().endpoint}/_emulator/iam") as answer:
        denials = json.load(answer)["denials"]
    assert any(d["action"] == "dynamodb:PutItem" and d["resource"] == table for d in denials)


def test_reads_are_allowed_on_the_table_and_its_index(clients: dict[str, Any], world: dict[str, Any]) -> None:
    assert _call(clients, world, "get_item") == {"code": "ok"}
    assert _call(clients, world, "query_index") == {"code": "ok"}


def test_each_item_of_a_transaction_needs_its_own_action(clients: dict[str, Any], world: dict[str, Any]) -> None:
    # the Put needs dynamodb:PutItem (its only statement has a condition that never holds)
    result = _call(clients, world, "transact")
    assert result["code"] == "AccessDeniedException" and "dynamodb:PutItem" in result["message"]


def test_a_secret_is_matched_by_its_full_arn_with_the_random_suffix(
    clients: dict[str, Any], world: dict[str, Any]
) -> None:
    assert _call(clients, world, "secret", secret="app/signing-key") == {"code": "ok"}  # by name
    assert _call(clients, world, "secret", secret=world["secret"]) == {"code": "ok"}  # by ARN
    denied = _call(clients, world, "secret", secret="app/other-key")
    assert (denied["code"], denied["status"]) == ("AccessDeniedException", 400)
    assert world["other_secret"] in denied["message"]


def test_an_explicit_deny_wins_over_an_allow(clients: dict[str, Any], world: dict[str, Any]) -> None:
    result = _call(clients, world, "send")
    assert result["code"] == "AccessDenied" and result["status"] == 403
    assert "with an explicit deny in an identity-based policy" in result["message"]


def test_sns_answers_authorization_error(clients: dict[str, Any], world: dict[str, Any]) -> None:
    result = _call(clients, world, "publish")
    assert (result["code"], result["status"]) == ("AuthorizationError", 403)
    assert f"sns:Publish on resource: {world['topic']}" in result["message"]


def test_objects_are_judged_by_key_prefix(clients: dict[str, Any], world: dict[str, Any]) -> None:
    assert _call(clients, world, "get_object", key="uploads/a.jpg") == {"code": "ok"}
    assert _call(clients, world, "get_object", key="private/b.jpg")["code"] == "AccessDenied"
    assert _call(clients, world, "put_object", key="uploads/c.jpg")["code"] == "AccessDenied"


def test_a_policy_change_applies_to_the_next_call(clients: dict[str, Any], world: dict[str, Any]) -> None:
    grant = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject",
                                                    "Resource": "arn:aws:s3:::media/uploads/*"}]}  # fmt: skip
    clients["iam"].put_role_policy(RoleName="narrow", PolicyName="uploads-write", PolicyDocument=json.dumps(grant))
    try:
        assert _call(clients, world, "put_object", key="uploads/c.jpg") == {"code": "ok"}
    finally:
        clients["iam"].delete_role_policy(RoleName="narrow", PolicyName="uploads-write")
    assert _call(clients, world, "put_object", key="uploads/d.jpg")["code"] == "AccessDenied"


@pytest.mark.documents("emulator.md", "Resource policies of buckets, secrets, queues and topics")
def test_a_bucket_policy_allows_the_role_it_names_and_its_deny_wins(
    clients: dict[str, Any], world: dict[str, Any]
) -> None:
    # GIVEN a bucket policy that lets the role write under shared/, lets "the account" (not a grant by
    # itself) write under drop/, and denies every caller of the account reads under uploads/
    account_root = f"arn:aws:iam::{ACCOUNT}:root"
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Locked", "Effect": "Deny", "Principal": "*", "Action": "s3:*Policy", "Resource": "arn:aws:s3:::media"},
        {"Sid": "RoleWritesShared", "Effect": "Allow", "Principal": {"AWS": world["role"]},
         "Action": "s3:PutObject", "Resource": "arn:aws:s3:::media/shared/*"},
        {"Sid": "AccountDelegates", "Effect": "Allow", "Principal": {"AWS": account_root},
         "Action": "s3:PutObject", "Resource": "arn:aws:s3:::media/drop/*"},
        {"Sid": "NoReads", "Effect": "Deny", "Principal": {"AWS": account_root},
         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::media/uploads/*"},
    ]}  # fmt: skip
    clients["s3"].put_bucket_policy(Bucket="media", Policy=json.dumps(policy))
    try:
        # WHEN the function writes and reads; THEN the bucket's Allow for the role is enough ...
        assert _call(clients, world, "put_object", key="shared/c.jpg") == {"code": "ok"}
        # ... the account's Allow delegates to IAM, which grants nothing there ...
        assert _call(clients, world, "put_object", key="drop/c.jpg")["code"] == "AccessDenied"
        # ... and the bucket's Deny wins over the role's own Allow on uploads/*
        assert _call(clients, world, "get_object", key="uploads/a.jpg")["code"] == "AccessDenied"
        # ... for every caller of the account, the operator too, with S3's own error
        with pytest.raises(botocore.exceptions.ClientError) as operator:
            clients["s3"].get_object(Bucket="media", Key="uploads/a.jpg")
        assert operator.value.response["Error"]["Code"] == "AccessDenied"
        clients["s3"].get_object(Bucket="media", Key="private/b.jpg")  # what it does not deny stays open
    finally:  # the account's root may remove a policy that denies even that, as on AWS
        clients["s3"].delete_bucket_policy(Bucket="media")
    assert _call(clients, world, "get_object", key="uploads/a.jpg") == {"code": "ok"}
    assert _call(clients, world, "put_object", key="shared/d.jpg")["code"] == "AccessDenied"


@pytest.mark.documents("emulator.md", "Resource policies of buckets, secrets, queues and topics")
def test_secret_topic_and_queue_policies_are_read_for_the_role(
    clients: dict[str, Any], world: dict[str, Any], emulator: str
) -> None:
    from toolchain.emulator.clients import emulator_client

    sm, sns = emulator_client("secretsmanager", emulator), emulator_client("sns", emulator)
    role = {"AWS": world["role"]}
    deny_secret = {"Version": "2012-10-17", "Statement": [{"Sid": "Sealed", "Effect": "Deny", "Principal": role,
                   "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}  # fmt: skip
    sm.put_resource_policy(SecretId=world["secret"], ResourcePolicy=json.dumps(deny_secret))
    try:
        # a secret's Deny wins over the role's SigningKey statement, and AWS says where it is
        denied = _call(clients, world, "secret", secret=world["secret"])
        assert denied["code"] == "AccessDeniedException"
        assert denied["message"].endswith("with an explicit deny in a resource-based policy")
    finally:
        sm.delete_resource_policy(SecretId=world["secret"])
    assert _call(clients, world, "secret", secret=world["secret"]) == {"code": "ok"}

    # a topic policy that lets the role publish is enough without an identity grant
    default_policy = sns.get_topic_attributes(TopicArn=world["topic"])["Attributes"]["Policy"]
    allow_publish = {"Version": "2012-10-17", "Statement": [{"Sid": "RolePublishes", "Effect": "Allow",
                     "Principal": role, "Action": "sns:Publish", "Resource": world["topic"]}]}  # fmt: skip
    sns.set_topic_attributes(TopicArn=world["topic"], AttributeName="Policy", AttributeValue=json.dumps(allow_publish))
    try:
        assert _call(clients, world, "publish") == {"code": "ok"}
    finally:
        sns.set_topic_attributes(TopicArn=world["topic"], AttributeName="Policy", AttributeValue=default_policy)
    assert _call(clients, world, "publish")["code"] == "AuthorizationError"

    # a queue policy's Allow does not undo the role's own explicit Deny (NoJobs)
    queue_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"
    allow_send = {"Version": "2012-10-17", "Statement": [{"Sid": "RoleSends", "Effect": "Allow", "Principal": role,
                  "Action": "sqs:SendMessage", "Resource": queue_arn}]}  # fmt: skip
    clients["sqs"].set_queue_attributes(QueueUrl=world["queue"], Attributes={"Policy": json.dumps(allow_send)})
    try:
        result = _call(clients, world, "send")
        assert "with an explicit deny in an identity-based policy" in result["message"]
    finally:
        clients["sqs"].set_queue_attributes(QueueUrl=world["queue"], Attributes={"Policy": ""})


@pytest.mark.documents("emulator.md", "The operator is not a function")
def test_the_operator_is_not_a_function(clients: dict[str, Any], world: dict[str, Any]) -> None:
    # the tasks, Terraform and tests call with the emulator's own credentials: not a function's role
    clients["sqs"].send_message(QueueUrl=world["queue"], MessageBody="from the operator")


@pytest.mark.documents("emulator.md", "Each function calls AWS as its role")
def test_a_state_machine_invokes_its_lambda_tasks_as_its_own_role(
    clients: dict[str, Any], world: dict[str, Any], emulator: str
) -> None:
    from toolchain.emulator.clients import emulator_client

    sfn, iam = emulator_client("stepfunctions", emulator), clients["iam"]
    function_arn = clients["lambda"].get_function(FunctionName=world["function"])["Configuration"]["FunctionArn"]
    definition = json.dumps({"StartAt": "Read", "States": {"Read": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True,
        "Parameters": {"FunctionName": function_arn, "Payload": {"call": "get_item", "table": world["table"]}}}}})  # fmt: skip

    def run(role_name: str, grants: list[str]) -> dict[str, Any]:
        role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        iam.put_role_policy(RoleName=role_name, PolicyName="invoke", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": grants, "Resource": f"{function_arn}*"}]}))  # fmt: skip
        machine = sfn.create_state_machine(name=role_name, definition=definition, roleArn=role)["stateMachineArn"]
        execution = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
        deadline = time.monotonic() + 60
        while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
            assert time.monotonic() < deadline, "the execution did not end"
            time.sleep(0.2)
        return described

    # GIVEN a state machine whose role may invoke the function, THEN its task runs
    assert run(f"sfn-invokes-{time.time_ns()}", ["lambda:InvokeFunction"])["status"] == "SUCCEEDED"
    # AND one whose role may not: Step Functions' call is refused as Lambda refuses it, the execution fails
    refused = run(f"sfn-cannot-{time.time_ns()}", ["lambda:GetFunction"])
    assert refused["status"] == "FAILED"
    history = sfn.get_execution_history(executionArn=refused["executionArn"])["events"]
    assert any("AccessDenied" in json.dumps(e, default=str) for e in history)
