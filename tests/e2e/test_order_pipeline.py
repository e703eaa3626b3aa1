"""SQS worker, SNS subscriber, Step Functions workflow and correlation ids, on the emulator."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests

from tests import tokens
from tests.docs import documented
from tests.docs import run as run_documented
from toolchain.traces import build_tree

from .conftest import Deployed
from .test_spine import wait_for

pytestmark = pytest.mark.e2e


def job(job_id: str) -> str:
    return json.dumps({"jobId": job_id, "orderId": job_id, "customerId": "c-e2e", "total": "20.00",
                       "items": [{"sku": "mug", "quantity": 2, "unitPrice": "10.00"}]})  # fmt: skip


def fulfilments(deployed: Deployed, prefix: str) -> dict[str, int]:
    ddb, found, params = deployed.client("dynamodb"), {}, {"TableName": "platform-local-fulfilments"}
    while True:
        page = ddb.scan(**params)
        found |= {
            i["jobId"]["S"]: int(i["processed"]["N"]) for i in page["Items"] if i["jobId"]["S"].startswith(prefix)
        }
        if "LastEvaluatedKey" not in page:
            return found
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def queue_depth(deployed: Deployed, name: str) -> int:
    sqs = deployed.client("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@pytest.mark.documents("services.md", "SQS worker", "Redrive after a fix")
def test_ten_messages_two_poison_eight_done_once_two_dead_lettered_then_redriven(deployed: Deployed) -> None:
    sqs = deployed.client("sqs")
    url = sqs.get_queue_url(QueueName="platform-local-work")["QueueUrl"]
    bodies = [job(f"batch-{n}") for n in range(8)] + ["{not json", json.dumps({"jobId": "batch-poison"})]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": b} for n, b in enumerate(bodies)])
    # the work queue is empty once every message is processed or dead-lettered, retries and back-offs included
    assert deployed.control.wait_idle(180)
    assert fulfilments(deployed, "batch-") == {f"batch-{n}": 1 for n in range(8)}  # each once, nothing twice
    assert (queue_depth(deployed, "platform-local-work"), queue_depth(deployed, "platform-local-work-dlq")) == (0, 2)
    redriven = deployed.invoke("queues.redrive", "--queue", "platform-local-work")
    assert "moved 2 message(s) from platform-local-work-dlq to platform-local-work; 0 left" in redriven.stdout
    # Still poison: they come back to the dead-letter queue after their retries.
    assert deployed.control.wait_idle(180)
    assert (queue_depth(deployed, "platform-local-work"), queue_depth(deployed, "platform-local-work-dlq")) == (0, 2)
    # the shared platform is left as found: the console's redrive test expects an empty dead-letter queue
    dlq = sqs.get_queue_url(QueueName="platform-local-work-dlq")["QueueUrl"]
    while messages := sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
    assert queue_depth(deployed, "platform-local-work-dlq") == 0


@pytest.mark.documents("services.md", "notifications")
@pytest.mark.documents("emulator.md", "SNS to Lambda as AWS delivers it")
def test_a_publish_reaches_the_subscriber_through_its_filter(deployed: Deployed) -> None:
    sns = deployed.client("sns")
    topic = deployed.outputs()["order_events_topic_arn"]
    before = len(deployed.control.invocations("platform-local-notifications"))
    sns.publish(TopicArn=topic, Message=json.dumps({"order_id": "filtered-out"}),
                MessageAttributes={"event_type": {"DataType": "String", "StringValue": "order.created"}})  # fmt: skip
    sns.publish(TopicArn=topic, Message=json.dumps({"order_id": "sub-1", "customer_id": "c-7"}),
                MessageAttributes={"event_type": {"DataType": "String", "StringValue": "order.completed"}})  # fmt: skip
    assert deployed.control.wait_async(60)
    after = deployed.control.invocations("platform-local-notifications")[before:]
    assert [(i["source"], i["errored"]) for i in after] == [("aws:sns", False)]
    logs = deployed.client("logs").filter_log_events(logGroupName="/aws/lambda/platform-local-notifications",
                                                      filterPattern='"sub-1"')["events"]  # fmt: skip
    record = json.loads(logs[-1]["message"])
    assert (record["message"], record["event_type"], record["customer_id"]) == (
        "customer notified",
        "order.completed",
        "c-7",
    )


def execution(deployed: Deployed, name: str) -> dict[str, Any]:
    sfn = deployed.client("stepfunctions")
    arn = deployed.outputs()["order_workflow_arn"].replace(":stateMachine:", ":execution:") + f":{name}"

    def finished() -> dict[str, Any] | None:
        try:
            described = sfn.describe_execution(executionArn=arn)
        except sfn.exceptions.ExecutionDoesNotExist:
            return None  # the worker has not started it yet
        return described if described["status"] != "RUNNING" else None

    return wait_for(finished, timeout=60)


def status(deployed: Deployed, order_id: str) -> dict[str, Any]:
    item = deployed.client("dynamodb").get_item(
        TableName="platform-local-order-status", Key={"orderId": {"S": order_id}}
    )
    return {k: v["S"] for k, v in item.get("Item", {}).items()}


@pytest.mark.documents("observability.md", "Logs", "Tracing")
@pytest.mark.documents("emulator.md", "Step Functions executions run for real", "Trace headers travel as on AWS")
def test_an_order_placed_through_the_api_runs_the_workflow_and_one_correlation_id_follows_it(
    deployed: Deployed,
) -> None:
    (api,) = [a["url"] for a in deployed.control.apis() if a["name"] == "platform-local-api"]
    secret = deployed.client("secretsmanager").get_secret_value(SecretId="platform-local/jwt-signing-key")[
        "SecretString"
    ]
    order = {"customerId": "c-42", "items": [{"sku": "kettle", "quantity": 1, "unitPrice": "49.90"}]}
    accepted = requests.post(
        f"{api}/orders", json=order, headers={"Authorization": "Bearer " + tokens.hs256(secret)}, timeout=30
    )
    assert accepted.status_code == 202, accepted.text
    order_id, correlation_id = accepted.json()["orderId"], accepted.json()["correlationId"]
    assert execution(deployed, order_id)["status"] == "SUCCEEDED"
    assert status(deployed, order_id)["status"] == "completed"
    assert deployed.control.wait_async(60)
    logs = deployed.client("logs")
    for function in ("checkout", "worker", "workflow-validate", "workflow-process", "workflow-notify", "notifications"):
        group = f"/aws/lambda/platform-local-{function}"
        lines = wait_for(
            lambda group=group: logs.filter_log_events(logGroupName=group, filterPattern=f'"{correlation_id}"')[
                "events"
            ],
            timeout=30,
        )
        assert all(
            json.loads(e["message"])["correlation_id"] == correlation_id
            for e in lines
            if e["message"].startswith('{"level"')
        )
    one_trace_spans_every_hop(deployed, correlation_id)

    # docs/development.md's filter by service finds it, as written
    command = documented("docs/development.md", "invoke traces --filter 'service(")
    listed = run_documented(command, deployed.env, cwd=deployed.root)
    assert listed.returncode == 0 and "platform-local-checkout" in listed.stdout, listed.stdout + listed.stderr


def one_trace_spans_every_hop(deployed: Deployed, correlation_id: str) -> None:
    """The order's trace, found by its correlation id, holds every hop, each under the one that called it."""
    wanted = {
        ("AWS::ApiGateway::Stage", None), ("AWS::Lambda::Function", "platform-local-authorizer"),
        ("AWS::Lambda::Function", "platform-local-checkout"), ("AWS::SQS::Queue", "platform-local-work"),
        ("AWS::Lambda::Function", "platform-local-worker"),
        ("AWS::StepFunctions::StateMachine", "platform-local-order-workflow"),
        ("AWS::Lambda::Function", "platform-local-workflow-validate"),
        ("AWS::Lambda::Function", "platform-local-workflow-process"),
        ("AWS::Lambda::Function", "platform-local-workflow-notify"),
        ("AWS::Lambda::Function", "platform-local-notifications"),
    }  # fmt: skip
    found = f'annotation.correlation_id = "{correlation_id}"'

    def complete() -> list[dict[str, Any]] | None:
        result = deployed.invoke("traces", "--filter", found, "--json", check=False)
        if result.returncode != 0:
            return None
        (trace,) = json.loads(result.stdout)
        docs = [json.loads(s["Document"]) for s in trace["Segments"]]
        have = {(d.get("origin"), None if d.get("origin") == "AWS::ApiGateway::Stage" else d["name"]) for d in docs}
        return docs if wanted <= have else None

    docs = wait_for(complete, timeout=30)
    trees = build_tree(docs)
    assert len(trees) == 1, [t.doc["name"] for t in trees]  # one entry point: every other hop has its parent

    paths: dict[str, list[str]] = {}

    def walk(node: Any, above: list[str]) -> None:
        paths.setdefault(node.doc["name"], above)
        for child in node.children:
            walk(child, [*above, node.doc["name"]])

    walk(trees[0], [])
    # the notification is reached through every hop before it, in order
    chain = ["platform-local-checkout", "platform-local-work", "platform-local-worker",
             "platform-local-order-workflow", "Notify", "platform-local-workflow-notify"]  # fmt: skip
    above = [name for name in paths["platform-local-notifications"] if name in chain]
    assert sorted(set(above), key=above.index) == chain, paths["platform-local-notifications"]
    assert any(name.startswith("Authorizer ") for name in paths["platform-local-authorizer"])
    states = next(d for d in docs if d.get("origin") == "AWS::StepFunctions::StateMachine")["subsegments"]
    assert [s["name"] for s in states] == ["Validate", "Process", "Notify"]
    drawn = deployed.invoke("traces", "--id", trees[0].doc["trace_id"]).stdout
    assert f"correlation_id={correlation_id}" in drawn and "platform-local-order-workflow" in drawn


@pytest.mark.documents("emulator.md", "Traces read back")
@pytest.mark.parametrize("expression", ["duration > 1", 'annotation.x = 1 OR id("y")', "(", "http.status = 500"])
def test_a_filter_x_ray_refuses_is_a_message_not_a_traceback(deployed: Deployed, expression: str) -> None:
    result = deployed.invoke("traces", "--filter", expression, check=False)
    assert result.returncode == 1
    assert "error: X-Ray refused the filter" in result.stderr and 'service("name")' in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.documents("services.md", "order workflow")
@pytest.mark.documents("emulator.md", "Step Functions executions run for real")
def test_a_failing_order_goes_through_catch_and_is_recorded(deployed: Deployed) -> None:
    sfn = deployed.client("stepfunctions")
    bad = {"order": {"orderId": "bad-total", "customerId": "c-1", "total": "1.00",
                     "items": [{"sku": "kettle", "quantity": 1, "unitPrice": "49.90"}]}, "correlation_id": "corr-bad"}  # fmt: skip
    sfn.start_execution(
        stateMachineArn=deployed.outputs()["order_workflow_arn"], name="bad-total", input=json.dumps(bad)
    )
    finished = execution(deployed, "bad-total")
    assert (finished["status"], finished.get("error")) == ("FAILED", "OrderFailed")
    recorded = status(deployed, "bad-total")
    assert recorded["status"] == "failed"
    assert recorded["reason"].startswith("OrderRejected: ")
    assert "add up to 49.90" in recorded["reason"]


def test_fn_logs_prints_a_functions_recent_logs(deployed: Deployed) -> None:
    # the worker has run at least once, whatever ran before this test (an SQS batch, as its queue sends)
    deployed.invoke("fn.invoke", "worker", "events/sqs-message.json", check=False)
    result = deployed.invoke("fn.logs", "--function", "worker", "--lines", "5")
    shown = result.stdout.strip().splitlines()
    assert len(shown) == 5, result.stdout
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ", line) for line in shown), shown
