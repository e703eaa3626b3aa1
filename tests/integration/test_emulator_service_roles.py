"""What Lambda does with a function's role besides running it, and who may assume a deploy role.

Lambda's pollers read queues and streams as the function's role, its runtime writes the function's
logs as that role, and a failed asynchronous event goes to its destination as that role; STS admits
a web identity only as the role's trust policy says. Each is refused here as AWS refuses it.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from toolchain.deploy.deployer import session_credentials, workflow_token
from toolchain.emulator.clients import emulator_client, session_client
from toolchain.emulator.control import EmulatorControl
from toolchain.errors import ToolchainError

ACCOUNT = "123456789012"
HANDLER = """
def handler(event, context):
    print("handled", len(event.get("Records", [])))
    if event.get("fail"):
        raise RuntimeError("failing on purpose")
    return "ok"
"""
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}  # fmt: skip


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("app.py", HANDLER)
    return out.getvalue()


def _until(condition: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return found


class Function:
    """A function with a role of its own whose single policy the test rewrites."""

    def __init__(self, clients: dict[str, Any], name: str) -> None:
        self.iam, self.lambda_ = clients["iam"], clients["lambda"]
        self.name = f"{name}-{time.time_ns()}"
        self.role_name = f"{self.name}-role"
        self.role = self.iam.create_role(RoleName=self.role_name,
                                         AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]  # fmt: skip

    def grant(self, *statements: tuple[list[str], str]) -> None:
        document = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": actions, "Resource": resource} for actions, resource in statements]}  # fmt: skip
        self.iam.put_role_policy(RoleName=self.role_name, PolicyName="policy", PolicyDocument=json.dumps(document))

    def create(self, **extra: Any) -> str:
        return self.lambda_.create_function(FunctionName=self.name, Runtime="python3.12", Role=self.role,
                                            Handler="app.handler", Code={"ZipFile": _zip()}, Timeout=20,
                                            **extra)["FunctionArn"]  # fmt: skip


def _log(control: EmulatorControl) -> str:
    return control.log_file.read_text()


@pytest.mark.documents("emulator.md", "Service roles are enforced")
def test_a_queue_mapping_needs_the_role_to_read_it_when_created_and_on_every_poll(
    clients: dict[str, Any], control: EmulatorControl
) -> None:
    sqs = clients["sqs"]
    url = sqs.create_queue(QueueName=f"work-{time.time_ns()}", Attributes={"VisibilityTimeout": "20"})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    fn = Function(clients, "consumer")
    logs = ["logs:CreateLogStream", "logs:PutLogEvents"]
    fn.grant((["sqs:ReceiveMessage", "sqs:GetQueueAttributes"], queue_arn), (logs, "*"))
    fn.create()
    # WHEN a mapping is created while the role cannot delete messages THEN Lambda refuses it, naming what
    with pytest.raises(ClientError) as refused:
        fn.lambda_.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn.name, BatchSize=1)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "does not have permissions to call sqs:DeleteMessage on SQS" in str(refused.value)
    # GIVEN the grant added, the mapping is made and a message is processed and deleted
    fn.grant((["sqs:ReceiveMessage", "sqs:GetQueueAttributes", "sqs:DeleteMessage"], queue_arn), (logs, "*"))
    fn.lambda_.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn.name, BatchSize=1)

    def left() -> int:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    sqs.send_message(QueueUrl=url, MessageBody="first")
    _until(lambda: left() == 0, "the first message to be processed")
    # WHEN the role loses ReceiveMessage THEN the poller stops reading: the message waits, the denial is logged
    fn.grant((["sqs:GetQueueAttributes", "sqs:DeleteMessage"], queue_arn), (logs, "*"))
    sqs.send_message(QueueUrl=url, MessageBody="second")
    _until(lambda: f"{fn.role_name}/{fn.name} sqs:ReceiveMessage {queue_arn}" in _log(control), "the denial")
    assert left() == 1
    # AND when it is given back, the message is read
    fn.grant((["sqs:ReceiveMessage", "sqs:GetQueueAttributes", "sqs:DeleteMessage"], queue_arn), (logs, "*"))
    _until(lambda: left() == 0, "the second message to be processed")


@pytest.mark.documents("emulator.md", "A queue mapping needs a visibility timeout")
def test_a_queue_mapping_is_refused_while_the_visibility_timeout_is_shorter_than_the_functions(
    clients: dict[str, Any],
) -> None:
    # GIVEN a function with a 20 s timeout that may read a queue whose messages hide for 19 s
    sqs = clients["sqs"]
    url = sqs.create_queue(QueueName=f"short-{time.time_ns()}", Attributes={"VisibilityTimeout": "19"})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    fn = Function(clients, "slow-consumer")
    fn.grant((["sqs:ReceiveMessage", "sqs:GetQueueAttributes", "sqs:DeleteMessage"], queue_arn))
    fn.create()
    # WHEN a mapping is created THEN Lambda refuses it with its own words
    with pytest.raises(ClientError) as refused:
        fn.lambda_.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn.name, BatchSize=1)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert refused.value.response["Error"]["Message"] == (
        "Queue visibility timeout: 19 seconds is less than Function timeout: 20 seconds"
    )
    # AND at the function's timeout exactly it is made
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "20"})
    made = fn.lambda_.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn.name, BatchSize=1)
    fn.lambda_.delete_event_source_mapping(UUID=made["UUID"])


@pytest.mark.documents("emulator.md", "Service roles are enforced")
def test_a_stream_mapping_is_refused_without_the_reads_lambda_names(clients: dict[str, Any], emulator: str) -> None:
    kinesis = emulator_client("kinesis", emulator)
    name = f"orders-{time.time_ns()}"
    kinesis.create_stream(StreamName=name, ShardCount=1)
    stream_arn = kinesis.describe_stream(StreamName=name)["StreamDescription"]["StreamARN"]
    fn = Function(clients, "stream-reader")
    fn.grant((["kinesis:GetRecords", "kinesis:GetShardIterator"], stream_arn))
    fn.create()
    with pytest.raises(ClientError) as refused:
        fn.lambda_.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName=fn.name,
                                               StartingPosition="LATEST")  # fmt: skip
    assert "kinesis:DescribeStream, kinesis:DescribeStreamSummary, kinesis:ListShards on your stream" in str(
        refused.value
    )


@pytest.mark.documents("emulator.md", "Service roles are enforced")
def test_a_failed_event_reaches_its_destination_only_as_the_role_allows(
    clients: dict[str, Any], control: EmulatorControl
) -> None:
    sqs = clients["sqs"]
    url = sqs.create_queue(QueueName=f"failures-{time.time_ns()}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    fn = Function(clients, "fails")
    fn.grant((["logs:CreateLogStream", "logs:PutLogEvents"], "*"))  # no sqs:SendMessage on the destination
    fn.create()
    fn.lambda_.put_function_event_invoke_config(
        FunctionName=fn.name, MaximumRetryAttempts=0,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}},
    )  # fmt: skip
    fn.lambda_.invoke(FunctionName=fn.name, InvocationType="Event", Payload=json.dumps({"fail": True}))
    # THEN the record is lost, as on AWS, and the emulator says why
    _until(lambda: f"{fn.name}: the record for {queue_arn} was lost: AccessDenied" in _log(control), "the loss")
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
    # GIVEN the grant, a failed event arrives
    fn.grant((["logs:CreateLogStream", "logs:PutLogEvents"], "*"), (["sqs:SendMessage"], queue_arn))
    fn.lambda_.invoke(FunctionName=fn.name, InvocationType="Event", Payload=json.dumps({"fail": True}))
    received = _until(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages"), "the record")
    assert json.loads(received[0]["Body"])["requestContext"]["condition"] == "RetriesExhausted"


@pytest.mark.documents("emulator.md", "Service roles are enforced")
def test_without_log_permissions_the_function_runs_and_its_lines_are_lost(
    clients: dict[str, Any], control: EmulatorControl
) -> None:
    fn = Function(clients, "silent")
    fn.grant((["sqs:ListQueues"], "*"))
    fn.create()
    assert fn.lambda_.invoke(FunctionName=fn.name, Payload=b"{}")["Payload"].read() == b'"ok"'
    assert f"{fn.name} logs:CreateLogStream arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/{fn.name}" in (
        _log(control)
    )
    logs = clients["logs"]
    groups = logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{fn.name}")["logGroups"]
    assert all(logs.describe_log_streams(logGroupName=g["logGroupName"])["logStreams"] == [] for g in groups)


def _oidc_role(clients: dict[str, Any], env: str, repository: str = "octo/platform") -> str:
    iam = clients["iam"]
    url = "https://token.actions.githubusercontent.com"
    arns = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    provider = next((p["Arn"] for p in arns if p["Arn"].endswith("token.actions.githubusercontent.com")), None)
    if provider is None:
        provider = iam.create_open_id_connect_provider(Url=url, ClientIDList=["sts.amazonaws.com"],
                                                       ThumbprintList=["a" * 40])["OpenIDConnectProviderArn"]  # fmt: skip
    host = "token.actions.githubusercontent.com"
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{host}:aud": "sts.amazonaws.com",
                                       f"{host}:sub": f"repo:{repository}:environment:{env}"}}}]}  # fmt: skip
    name = f"deploy-{env}-{time.time_ns()}"
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="deploy", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:CreateQueue",
                                                "Resource": f"arn:aws:sqs:*:{ACCOUNT}:{env}-*"}]}))  # fmt: skip
    return arn


@pytest.mark.documents("environments.md", "The deploy role")
@pytest.mark.documents("emulator.md", "Deployers are judged as roles")
def test_a_deploy_role_is_assumed_only_by_a_job_of_its_repository_and_environment(
    clients: dict[str, Any], emulator: str
) -> None:
    sts = emulator_client("sts", emulator)
    role = _oidc_role(clients, "prod")
    for repository, env in (("octo/platform", "dev"), ("someone/else", "prod")):
        with pytest.raises(ToolchainError, match="Not authorized to perform sts:AssumeRoleWithWebIdentity"):
            session_credentials(sts, role, workflow_token(repository, env, time.time()), "prod")
    credentials = session_credentials(sts, role, workflow_token("octo/platform", "prod", time.time()), "prod")
    assert credentials["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    # AND the session is judged by the role's policy: its own environment's queues only
    sqs = session_client("sqs", emulator, "us-east-1", credentials)
    sqs.create_queue(QueueName=f"prod-{time.time_ns()}")
    with pytest.raises(ClientError) as denied:
        sqs.create_queue(QueueName=f"dev-{time.time_ns()}")
    assert "is not authorized to perform: sqs:CreateQueue" in str(denied.value)
    assert f"assumed-role/{role.rsplit('/', 1)[-1]}/deploy-prod" in str(denied.value)


@pytest.mark.documents("emulator.md", "Deployers are judged as roles")
def test_a_role_passed_to_a_service_needs_pass_role(clients: dict[str, Any], emulator: str) -> None:
    sts = emulator_client("sts", emulator)
    deployer = _oidc_role(clients, "staging")
    name = deployer.rsplit("/", 1)[-1]
    fn = Function(clients, "passed")
    target = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{fn.name}"
    clients["iam"].put_role_policy(RoleName=name, PolicyName="deploy", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:CreateFunction",
                                                "Resource": target}]}))  # fmt: skip
    credentials = session_credentials(sts, deployer, workflow_token("octo/platform", "staging", time.time()),
                                      "staging")  # fmt: skip
    lambda_ = session_client("lambda", emulator, "us-east-1", credentials)
    create = {"FunctionName": fn.name, "Runtime": "python3.12", "Role": fn.role, "Handler": "app.handler",
              "Code": {"ZipFile": _zip()}}  # fmt: skip
    with pytest.raises(ClientError, match=f"iam:PassRole on resource: {fn.role}"):
        lambda_.create_function(**create)
    clients["iam"].put_role_policy(RoleName=name, PolicyName="deploy", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": target},
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": fn.role}]}))  # fmt: skip
    assert lambda_.create_function(**create)["FunctionName"] == fn.name


@pytest.mark.documents("emulator.md", "S3's events name the version")
def test_an_event_from_a_versioned_bucket_names_the_objects_version(moto_aws: None) -> None:
    import boto3

    s3, sqs = boto3.client("s3", region_name="us-east-1"), boto3.client("sqs", region_name="us-east-1")
    url = sqs.create_queue(QueueName="events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    objects = {}
    for bucket, versioned in (("versioned", True), ("plain", False)):
        s3.create_bucket(Bucket=bucket)
        if versioned:
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"]}]})  # fmt: skip
        objects[bucket] = s3.put_object(Bucket=bucket, Key="a.jpg", Body=b"x").get("VersionId")
    records = {}
    for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]:
        for record in json.loads(message["Body"]).get("Records", []):
            records[record["s3"]["bucket"]["name"]] = record["s3"]["object"]
    assert records["versioned"]["versionId"] == objects["versioned"]
    assert "versionId" not in records["plain"]
    assert int(records["plain"]["sequencer"], 16) > 0
