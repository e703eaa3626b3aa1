"""Checkout, worker, workflow steps and the notifications subscriber against moto."""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from lambdas.common.batch import BatchPartiallyFailed, UnknownQueue
from lambdas.services.checkout import handler as checkout
from lambdas.services.notifications import handler as notifications
from lambdas.services.worker import handler as worker
from lambdas.services.workflow import handler as steps
from lambdas.services.workflow.steps import OrderRejected, TransientFailure

from .conftest import logged
from .test_data_handlers import drain
from .world import fresh_container, remembered_days, subscribed_queue, table

DEFINITION = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})


@pytest.fixture
def pipeline(moto_aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name="us-east-1")
    dlq = sqs.create_queue(QueueName="work-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(QueueName="work", Attributes={
        "VisibilityTimeout": "30", "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})})["QueueUrl"]  # fmt: skip
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    table("fulfilments", "jobId")
    table("worker-idempotency", "id", ttl="expiration")
    table("order-status", "orderId")
    role = boto3.client("iam", region_name="us-east-1").create_role(RoleName="sfn", AssumeRolePolicyDocument="{}")[
        "Role"
    ]["Arn"]
    machine = boto3.client("stepfunctions", region_name="us-east-1").create_state_machine(
        name="orders", definition=DEFINITION, roleArn=role)["stateMachineArn"]  # fmt: skip
    topic, events = subscribed_queue("order-events")
    env = {"WORK_QUEUE_URL": queue, "WORKFLOW_ARN": machine, "FULFILMENTS_TABLE": "fulfilments", "IDEMPOTENCY_TABLE": "worker-idempotency",
           "ORDER_STATUS_TABLE": "order-status", "ORDER_EVENTS_TOPIC_ARN": topic, "CORS_ALLOWED_ORIGINS": ""}  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    fresh_container()
    yield {"sqs": sqs, "queue": queue, "queue_arn": queue_arn, "dlq": dlq, "machine": machine, "events": events}
    fresh_container()


def api_event(load_event, body: Any) -> dict:
    event = load_event("apigateway-rest-proxy.json")
    event.update(httpMethod="POST", resource="/orders", path="/orders", pathParameters=None, body=json.dumps(body))
    event["headers"] = {"Content-Type": "application/json"}
    event["requestContext"]["requestId"] = "api-request-1"
    return event


ORDER = {"customerId": "c-1", "items": [{"sku": "kettle", "quantity": 2, "unitPrice": "19.99"}]}


@pytest.mark.documents("services.md", "Checkout")
def test_checkout_queues_the_order_with_the_requests_correlation_id(pipeline, load_event, lambda_context) -> None:
    result = checkout.lambda_handler(api_event(load_event, ORDER), lambda_context)
    body = json.loads(result["body"])
    assert (result["statusCode"], body["correlationId"], body["total"]) == (202, "api-request-1", "39.98")
    (message,) = pipeline["sqs"].receive_message(QueueUrl=pipeline["queue"], MessageAttributeNames=["All"])["Messages"]
    assert message["MessageAttributes"]["correlation_id"]["StringValue"] == "api-request-1"
    assert json.loads(message["Body"])["jobId"] == body["orderId"]


def keyed_order(load_event, key: str | None, principal: str, order: dict[str, Any] = ORDER) -> dict:
    event = api_event(load_event, order)
    if key is not None:
        event["headers"]["Idempotency-Key"] = key
    event["requestContext"]["authorizer"] = {"principalId": principal}
    return event


@pytest.mark.documents("services.md", "An order retried with its Idempotency-Key is one order")
def test_an_order_retried_with_its_idempotency_key_is_one_order(pipeline, load_event, lambda_context) -> None:
    def placed(key: str | None, principal: str = "user-1", order: dict[str, Any] = ORDER) -> tuple[int, str]:
        result = checkout.lambda_handler(keyed_order(load_event, key, principal, order), lambda_context)
        return result["statusCode"], json.loads(result["body"]).get("orderId", "")

    # GIVEN an order placed with a key, WHEN the client sends it again after losing the answer
    status, first = placed("k-1")
    # THEN it is the same order; another key, another caller or another order is a new one
    assert (status, placed("k-1")[1]) == (202, first)
    assert len({first, placed("k-2")[1], placed("k-1", principal="user-2")[1],
                placed("k-1", order={**ORDER, "customerId": "c-2"})[1]}) == 4  # fmt: skip
    # without a key every request is an order of its own
    assert placed(None)[1] != placed(None)[1]
    jobs = [m["jobId"] for m in drain(pipeline["queue"])]
    assert sorted(jobs).count(first) == 2 and len(jobs) == 7  # two messages, one job: the worker does it once


@pytest.mark.parametrize("key", ["", "a b", "é", "x" * 256])
def test_an_idempotency_key_that_is_not_printable_ascii_is_refused_with_400(
    pipeline, load_event, lambda_context, key: str
) -> None:
    result = checkout.lambda_handler(keyed_order(load_event, key, "user-1"), lambda_context)
    body = json.loads(result["body"])["error"]
    assert (result["statusCode"], body["code"], list(body["fields"])) == (
        400, "validation_failed", ["Idempotency-Key"])  # fmt: skip
    assert drain(pipeline["queue"]) == []
    assert checkout.lambda_handler(keyed_order(load_event, "x" * 255, "user-1"), lambda_context)["statusCode"] == 202


@pytest.mark.documents("services.md", "Checkout")
def test_checkout_rejects_bad_orders_with_400(pipeline, load_event, lambda_context) -> None:
    result = checkout.lambda_handler(api_event(load_event, {"customerId": "c"}), lambda_context)
    assert (result["statusCode"], json.loads(result["body"])["error"]["code"]) == (400, "validation_failed")


def sqs_event(pipeline: dict[str, Any], *bodies: str) -> dict:
    sqs = pipeline["sqs"]
    for n, body in enumerate(bodies):
        sqs.send_message(QueueUrl=pipeline["queue"], MessageBody=body,
                         MessageAttributes={"correlation_id": {"DataType": "String", "StringValue": f"corr-{n}"}})  # fmt: skip
    messages = sqs.receive_message(QueueUrl=pipeline["queue"], MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                   AttributeNames=["All"])["Messages"]  # fmt: skip
    return {"Records": [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                         "attributes": {"ApproximateReceiveCount": m["Attributes"]["ApproximateReceiveCount"]},
                         "messageAttributes": {k: {"stringValue": v["StringValue"], "dataType": v["DataType"]}
                                               for k, v in m.get("MessageAttributes", {}).items()},
                         "eventSource": "aws:sqs", "eventSourceARN": pipeline["queue_arn"], "awsRegion": "us-east-1"}
                        for m in messages]}  # fmt: skip


def job(job_id: str) -> str:
    return json.dumps({"jobId": job_id, "orderId": job_id, "customerId": "c-1", "total": "39.98",
                       "items": [{"sku": "kettle", "quantity": 2, "unitPrice": "19.99"}]})  # fmt: skip


def depth(pipeline: dict[str, Any]) -> tuple[int, int]:
    """(visible, in flight): a message backing off is in flight, not visible."""
    attributes = pipeline["sqs"].get_queue_attributes(QueueUrl=pipeline["queue"], AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


@contextmanager
def visibility_changes() -> Iterator[list[int]]:
    """The VisibilityTimeout of every ChangeMessageVisibility the handler's client sends."""
    from lambdas.common import aws

    seen: list[int] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        seen.append(params["VisibilityTimeout"])

    events = aws.client("sqs").meta.events
    events.register("provide-client-params.sqs.ChangeMessageVisibility", record)
    try:
        yield seen
    finally:
        events.unregister("provide-client-params.sqs.ChangeMessageVisibility", record)


def processed_counts() -> dict[str, int]:
    items = boto3.client("dynamodb", region_name="us-east-1").scan(TableName="fulfilments")["Items"]
    return {i["jobId"]["S"]: int(i["processed"]["N"]) for i in items}


@pytest.mark.documents("services.md", "SQS worker")
def test_a_partial_failure_deletes_what_succeeded_and_keeps_the_rest(pipeline, lambda_context, caplog) -> None:
    event = sqs_event(pipeline, job("j-1"), "{poison", job("j-2"))
    with visibility_changes() as backoffs, pytest.raises(BatchPartiallyFailed, match="1 of 3 messages failed"):
        worker.lambda_handler(event, lambda_context)
    assert processed_counts() == {"j-1": 1, "j-2": 1}
    # only the poison message is left: in flight, not visible, for its first back-off of 2 s
    assert depth(pipeline) == (0, 1)
    assert backoffs == [2]
    (failed,) = logged(caplog, "job failed")
    assert (failed.error, failed.receive_count) == ("invalid_job", 1)
    executions = boto3.client("stepfunctions", region_name="us-east-1").list_executions(
        stateMachineArn=pipeline["machine"]
    )
    assert sorted(e["name"] for e in executions["executions"]) == ["j-1", "j-2"]


@pytest.mark.documents("services.md", "SQS worker")
@pytest.mark.parametrize(("receive_count", "backoff"), [(1, 2), (2, 4), (3, 8), (4, 16), (9, 300), (50, 300)])
def test_each_failed_receive_doubles_the_back_off_up_to_its_cap(
    pipeline, lambda_context, receive_count, backoff
) -> None:
    event = sqs_event(pipeline, "{poison")
    event["Records"][0]["attributes"]["ApproximateReceiveCount"] = str(receive_count)
    with visibility_changes() as backoffs, pytest.raises(BatchPartiallyFailed):
        worker.lambda_handler(event, lambda_context)
    assert backoffs == [backoff]
    assert depth(pipeline) == (0, 1)


@pytest.mark.documents("services.md", "SQS worker")
def test_a_redelivered_message_does_no_double_work(pipeline, lambda_context) -> None:
    event = sqs_event(pipeline, job("j-7"))
    worker.lambda_handler(event, lambda_context)
    worker.lambda_handler(event, lambda_context)  # the same delivery again, as after a crash before the delete
    assert processed_counts() == {"j-7": 1}
    assert remembered_days("worker-idempotency") == {14.0}  # a job's key outlives SQS's longest retention


@pytest.mark.documents("services.md", "order workflow")
def test_the_correlation_id_goes_into_the_workflow_input(pipeline, lambda_context) -> None:
    worker.lambda_handler(sqs_event(pipeline, job("j-9")), lambda_context)
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    (execution,) = sfn.list_executions(stateMachineArn=pipeline["machine"])["executions"]
    assert (
        json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])["correlation_id"]
        == "corr-0"
    )


def step_input(**order: Any) -> dict:
    base = {
        "orderId": "o-1",
        "customerId": "c-1",
        "total": "39.98",
        "items": [{"sku": "k", "quantity": 2, "unitPrice": "19.99"}],
    }
    return {"order": {**base, **order}, "correlation_id": "corr-1"}


@pytest.mark.documents("services.md", "order workflow")
def test_the_steps_validate_process_and_notify(pipeline, lambda_context) -> None:
    state = steps.validate(step_input(), lambda_context)
    state = steps.process(state, lambda_context)
    state = steps.notify_customer(state, lambda_context)
    assert (state["validated"], state["processed"], state["notified"]) == (True, True, True)
    status = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName="order-status", Key={"orderId": {"S": "o-1"}}
    )["Item"]
    assert status["status"] == {"S": "completed"}
    (event,) = drain(pipeline["events"])
    assert (event["event_type"], event["order_id"], event["correlation_id"]) == ("order.completed", "o-1", "corr-1")


def test_a_queued_job_is_one_message_with_its_id_and_a_refusal_names_what_failed(pipeline) -> None:
    from lambdas.common.exceptions import DependencyError
    from lambdas.services.checkout.queue import queue_job

    message_id = queue_job(pipeline["queue"], {"jobId": "j-1"}, "corr-7")
    (message,) = pipeline["sqs"].receive_message(QueueUrl=pipeline["queue"], MessageAttributeNames=["All"])["Messages"]
    assert (message["MessageId"], json.loads(message["Body"])) == (message_id, {"jobId": "j-1"})
    assert message["MessageAttributes"]["correlation_id"]["StringValue"] == "corr-7"
    with pytest.raises(DependencyError) as raised:
        queue_job(pipeline["queue"] + "-gone", {"jobId": "j-2"}, "corr-8")
    assert raised.value.message.startswith("queueing the order failed: ")


def _status(order_id: str) -> dict[str, str]:
    item = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName="order-status", Key={"orderId": {"S": order_id}})["Item"]  # fmt: skip
    return {name: value["S"] for name, value in item.items()}


@pytest.mark.documents("services.md", "order workflow")
def test_each_step_records_its_status_with_the_time_and_the_total(pipeline, lambda_context, caplog) -> None:
    before = datetime.now(UTC)
    state = steps.validate(step_input(), lambda_context)
    steps.process(state, lambda_context)
    status = _status("o-1")
    assert (status["status"], status["total"]) == ("processed", "39.98")
    assert before <= datetime.fromisoformat(status["updatedAt"]) <= datetime.now(UTC)  # aware, in UTC
    # the steps' log lines carry the execution's correlation id
    formatter = steps.observed.logger.registered_formatter
    lines = [json.loads(formatter.format(r)) for r in caplog.records if r.name == "workflow"]
    (validated,) = [line for line in lines if line.get("message") == "order validated"]
    assert (validated["correlation_id"], validated["order_id"], validated["total"]) == ("corr-1", "o-1", "39.98")
    (processed,) = [line for line in lines if line.get("message") == "order processed"]
    assert processed["correlation_id"] == "corr-1"


@pytest.mark.documents("services.md", "order workflow")
def test_the_completed_event_carries_the_order_and_its_attributes(pipeline, lambda_context) -> None:
    steps.notify_customer(step_input(), lambda_context)
    sqs = boto3.client("sqs", region_name="us-east-1")
    (message,) = sqs.receive_message(QueueUrl=pipeline["events"], MessageAttributeNames=["All"])["Messages"]
    assert json.loads(message["Body"]) == {"event_type": "order.completed", "order_id": "o-1", "customer_id": "c-1",
                                           "total": "39.98", "correlation_id": "corr-1"}  # fmt: skip
    attributes = {name: value["StringValue"] for name, value in message["MessageAttributes"].items()}
    assert attributes == {"event_type": "order.completed", "correlation_id": "corr-1"}
    assert _status("o-1")["status"] == "completed"


@pytest.mark.documents("services.md", "notifications")
def test_an_execution_without_a_correlation_id_still_notifies(pipeline, lambda_context) -> None:
    # SNS refuses an empty attribute value, and with it the whole publish: the attribute is left out
    steps.notify_customer({"order": step_input()["order"]}, lambda_context)
    sqs = boto3.client("sqs", region_name="us-east-1")
    (message,) = sqs.receive_message(QueueUrl=pipeline["events"], MessageAttributeNames=["All"])["Messages"]
    assert set(message["MessageAttributes"]) == {"event_type"}
    assert json.loads(message["Body"])["correlation_id"] is None


def test_a_status_or_event_aws_refuses_is_a_transient_failure_naming_what_failed(
    pipeline, lambda_context, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORDER_STATUS_TABLE", "no-such-table")
    fresh_container()
    with pytest.raises(TransientFailure) as raised:
        steps.process(step_input(), lambda_context)
    assert raised.value.message == "recording status processed failed: ResourceNotFoundException"
    monkeypatch.setenv("ORDER_EVENTS_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:gone")
    fresh_container()
    with pytest.raises(TransientFailure) as raised:
        steps.notify_customer(step_input(), lambda_context)
    assert raised.value.message == "SNS publish to arn:aws:sns:us-east-1:123456789012:gone failed: NotFound"


@pytest.mark.documents("services.md", "order workflow")
def test_a_bad_order_is_rejected_and_its_failure_recorded(pipeline, lambda_context) -> None:
    with pytest.raises(OrderRejected, match="add up to 39.98"):
        steps.validate(step_input(total="1.00"), lambda_context)
    steps.record_failure(
        {**step_input(), "error": {"Error": "OrderRejected", "Cause": "totals differ"}}, lambda_context
    )
    status = boto3.client("dynamodb", region_name="us-east-1").get_item(
        TableName="order-status", Key={"orderId": {"S": "o-1"}}
    )["Item"]
    assert (status["status"]["S"], status["reason"]["S"]) == ("failed", "OrderRejected: totals differ")


@pytest.mark.documents("services.md", "notifications")
def test_the_subscriber_reads_message_and_attributes(lambda_context, load_event, caplog) -> None:
    event = load_event("sns-notification.json")
    event["Records"][0]["Sns"]["Message"] = json.dumps({"order_id": "o-5", "customer_id": "c-9"})
    event["Records"][0]["Sns"]["MessageAttributes"] = {"event_type": {"Type": "String", "Value": "order.completed"},
                                                        "correlation_id": {"Type": "String", "Value": "corr-5"}}  # fmt: skip
    assert notifications.lambda_handler(event, lambda_context) == {"sent": 1}
    (record,) = logged(caplog, "customer notified")
    assert (record.order_id, record.event_type) == ("o-5", "order.completed")
    assert notifications.lambda_handler({"Records": [{"EventSource": "aws:sqs"}]}, lambda_context) == {
        "sent": 0,
        "rejected": 1,
    }


@pytest.mark.parametrize(
    "message",
    ["[" * 5000 + "]" * 5000, '{"order_id": "o-6", "customer_id": "\\ud800"}', '{"a":' * 2000 + "1" + "}" * 2000],
)
def test_the_subscriber_refuses_malformed_messages_by_name(lambda_context, load_event, caplog, message: str) -> None:
    # Deep nesting was an unhandled RecursionError; a lone surrogate a customer id no one can store.
    event = load_event("sns-notification.json")
    good = json.loads(json.dumps(event["Records"][0]))
    good["Sns"]["Message"] = json.dumps({"order_id": "o-7", "customer_id": "c-7"})
    event["Records"][0]["Sns"]["Message"] = message
    event["Records"].append(good)
    assert notifications.lambda_handler(event, lambda_context) == {"sent": 1, "rejected": 1}
    (refused,) = logged(caplog, "notification rejected")
    assert (refused.levelname, refused.error) == ("WARNING", "malformed_json")


def test_an_event_for_an_unknown_queue_is_a_named_rejection(pipeline, lambda_context, caplog) -> None:
    # Found from outside: get_queue_url's QueueDoesNotExist escaped as a raw traceback, no log line.
    event = sqs_event(pipeline, job("j-1"))
    event["Records"][0]["eventSourceARN"] = pipeline["queue_arn"].rsplit(":", 1)[0] + ":no-such-queue"
    with pytest.raises(UnknownQueue):
        worker.lambda_handler(event, lambda_context)
    (rejected,) = logged(caplog, "event rejected")
    assert (rejected.levelname, rejected.error) == ("ERROR", "unknown_queue")
    assert "no-such-queue" in rejected.reason


@pytest.mark.documents("observability.md", "Logs", "Metrics")
def test_a_requests_log_lines_and_metrics_carry_what_the_docs_promise(
    pipeline,
    load_event,
    lambda_context,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a new container of the checkout function in an environment (its namespace) and a trace
    trace = "1-5759e988-bd862e3fe1be46a994272793"
    monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={trace};Parent=53995c3f42cd8ad8;Sampled=1")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "platform-dev")
    handler = importlib.reload(checkout)
    try:
        capsys.readouterr()
        handler.lambda_handler(api_event(load_event, {"customerId": "c"}), lambda_context)  # logs a rejection
        handler.lambda_handler(api_event(load_event, ORDER), lambda_context)  # counts an accepted order
        printed = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
        formatter = handler.observed.logger.registered_formatter
        logs = [json.loads(formatter.format(r)) for r in caplog.records if r.name == "checkout"]
    finally:
        monkeypatch.undo()
        importlib.reload(checkout)
    # THEN every line is JSON with the request's context, its trace and its correlation id
    assert len(logs) >= 2
    for line in logs:
        assert {"level", "message", "service", "cold_start", "function_name", "function_request_id",
                "xray_trace_id", "correlation_id"} <= set(line), line  # fmt: skip
        assert (line["service"], line["function_request_id"]) == ("checkout", lambda_context.aws_request_id)
        assert (line["correlation_id"], line["xray_trace_id"]) == ("api-request-1", trace)
    # AND the business metric is EMF in the environment's namespace
    (emf,) = [line for line in printed if "_aws" in line and "OrdersAccepted" in line]
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "platform-dev"
    assert {"Name": "OrdersAccepted", "Unit": "Count"} in directive["Metrics"] and emf["OrdersAccepted"] == [1.0]


@pytest.mark.documents("services.md", "SQS worker")
def test_a_job_done_is_recorded_and_logged_as_the_docs_say(pipeline, lambda_context, caplog) -> None:
    event = sqs_event(pipeline, job("j-3"))
    written: list[dict[str, Any]] = []  # each line as the function writes it, with the keys of that moment

    class Written(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            written.append(json.loads(worker.observed.logger.registered_formatter.format(record)))

    keep = Written()
    logging.getLogger("worker").addHandler(keep)
    try:
        worker.lambda_handler(event, lambda_context)
    finally:
        logging.getLogger("worker").removeHandler(keep)
    # the fulfilment, with the order's customer and total and the request's correlation id
    (item,) = boto3.client("dynamodb", region_name="us-east-1").scan(TableName="fulfilments")["Items"]
    assert item == {"jobId": {"S": "j-3"}, "customerId": {"S": "c-1"}, "total": {"S": "39.98"},
                    "correlationId": {"S": "corr-0"}, "processed": {"N": "1"}}  # fmt: skip
    # the workflow's input: the order as queued, and the correlation id
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    (execution,) = sfn.list_executions(stateMachineArn=pipeline["machine"])["executions"]
    assert json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"]) == {
        "order": json.loads(job("j-3")), "correlation_id": "corr-0"}  # fmt: skip
    (done,) = logged(caplog, "job done")
    message_id = event["Records"][0]["messageId"]
    assert (done.job_id, done.message_id, done.execution) == ("j-3", message_id, execution["executionArn"])
    # and the line as written carries the request's correlation id
    assert [w["correlation_id"] for w in written if w["message"] == "job done"] == ["corr-0"]


@pytest.mark.documents("services.md", "SQS worker")
def test_a_workflow_already_started_for_the_job_is_not_an_error(pipeline, lambda_context, caplog) -> None:
    # GIVEN the job's execution exists (a delivery that crashed after starting it)
    boto3.client("stepfunctions", region_name="us-east-1").start_execution(stateMachineArn=pipeline["machine"],
                                                                           name="j-4", input="{}")  # fmt: skip
    assert worker.lambda_handler(sqs_event(pipeline, job("j-4")), lambda_context) == {"done": 1}
    (done,) = logged(caplog, "job done")
    assert done.execution == "already started"


@pytest.mark.documents("services.md", "SQS worker")
@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [("FULFILMENTS_TABLE", "no-such-table", "recording the fulfilment of j-5 failed: ResourceNotFoundException"),
     ("WORKFLOW_ARN", "arn:aws:states:us-east-1:123456789012:stateMachine:gone",
      "starting the workflow of j-5 failed: StateMachineDoesNotExist")],
)  # fmt: skip
def test_a_job_that_aws_refuses_is_logged_with_what_failed(
    pipeline, lambda_context, caplog, monkeypatch, variable: str, value: str, reason: str
) -> None:
    monkeypatch.setenv(variable, value)
    fresh_container()
    event = sqs_event(pipeline, job("j-5"))
    with pytest.raises(BatchPartiallyFailed):
        worker.lambda_handler(event, lambda_context)
    (failed,) = logged(caplog, "job failed")
    assert (failed.message_id, failed.reason) == (event["Records"][0]["messageId"], reason)
    assert failed.error == "dependency_unavailable"


@pytest.mark.documents("services.md", "SQS worker")
def test_a_back_off_sqs_refuses_is_logged_and_the_failure_stands(pipeline, lambda_context, caplog) -> None:
    event = sqs_event(pipeline, "{poison")
    event["Records"][0]["receiptHandle"] = "not-a-receipt-handle"
    with pytest.raises(BatchPartiallyFailed):
        worker.lambda_handler(event, lambda_context)
    (warning,) = logged(caplog, "backoff not set")
    assert warning.message_id == event["Records"][0]["messageId"] and "ReceiptHandle" in warning.reason
    assert len(warning.reason) <= 200
