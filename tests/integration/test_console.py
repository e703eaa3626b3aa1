"""The console's API against Lambda, CloudWatch, SQS and EventBridge (moto), over real HTTP on
localhost: what `live` serves, alarms, queues and their dead letters, schedules, and its guards."""

from __future__ import annotations

import datetime as dt
import io
import json
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from toolchain.console.actions import ConsoleActions
from toolchain.console.reader import ConsoleReader
from toolchain.console.server import ACTION_HEADER, Console, ConsoleServer
from toolchain.console.waterfall import waterfall
from toolchain.deploy.release import ALIAS, Releaser
from toolchain.errors import ToolchainError

REGION = "us-east-1"


def _zip(answer: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("app.py", f"def handler(event, context):\n    return {answer!r}\n")
    return out.getvalue()


def _client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


@pytest.fixture
def platform(moto_aws: None) -> dict[str, Any]:
    """Two functions (`live` on version 1, alpha released to 2), an alarm, a work queue with its
    dead-letter queue holding one message, a failure queue, and a schedule."""
    iam, lam, sqs = _client("iam"), _client("lambda"), _client("sqs")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                    "Action": "sts:AssumeRole"}]}  # fmt: skip
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    functions = {}
    for name in ("alpha", "beta"):
        lam.create_function(FunctionName=f"p-{name}", Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": _zip("v1")}, Publish=True, MemorySize=256, Timeout=10)  # fmt: skip
        lam.create_alias(FunctionName=f"p-{name}", Name=ALIAS, FunctionVersion="1")
        functions[name] = {"function_name": f"p-{name}", "version": "1", "memory_size": 256, "timeout": 10,
                           "provisioned_concurrency": 0, "source_code_hash": "abc", "log_group_name": f"/aws/lambda/p-{name}"}  # fmt: skip
    functions["alpha"]["version"] = str(lam.update_function_code(FunctionName="p-alpha", ZipFile=_zip("v2"),
                                                                 Publish=True)["Version"])  # fmt: skip
    Releaser(lam).release(functions)
    cloudwatch = _client("cloudwatch")
    cloudwatch.put_metric_alarm(AlarmName="p-alpha-errors", Namespace="AWS/Lambda", MetricName="Errors",
                                Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                                ComparisonOperator="GreaterThanOrEqualToThreshold")  # fmt: skip
    dlq = sqs.create_queue(QueueName="p-work-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    work = sqs.create_queue(QueueName="p-work", Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})})["QueueUrl"]  # fmt: skip
    failures = sqs.create_queue(QueueName="p-etl-failures")["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody='{"order": "o-1"}')
    events = _client("events")
    events.put_rule(Name="p-sweep", ScheduleExpression="rate(1 hour)")
    events.put_targets(Rule="p-sweep", Targets=[{"Id": "fn", "Arn": lam.get_alias(FunctionName="p-beta",
                                                                                  Name=ALIAS)["AliasArn"]}])  # fmt: skip
    return {"environment": "emulator", "region": REGION, "functions": functions, "alarm_names": ["p-alpha-errors"],
            "work_queue_url": work, "work_dlq_url": dlq, "etl_failure_queue_url": failures,
            "session_cleanup_rule_name": "p-sweep"}  # fmt: skip


@pytest.fixture
def console(platform: dict[str, Any]) -> Iterator[ConsoleServer]:
    reader = ConsoleReader(_client, platform)
    fired: list[str] = []
    actions = ConsoleActions(reader, _client, lambda rule: fired.append(rule) or ["p-beta:live"])
    server = ConsoleServer(Console(reader, actions, {"environment": "emulator", "target": "emulator"})).start()
    yield server
    server.close()


def _request(server: ConsoleServer, path: str, method: str = "GET", headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(server.url.rstrip("/") + path, method=method,
                                     headers={ACTION_HEADER: "1"} if method == "POST" else {})  # fmt: skip
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@pytest.mark.documents("console.md", "Functions")
def test_functions_show_what_live_serves_and_a_rollback_moves_it(console: ConsoleServer) -> None:
    status, functions = _request(console, "/api/functions")
    assert status == 200
    assert [(f["name"], f["live"]["version"], f["published"]) for f in functions] == [("alpha", "2", "2"),
                                                                                       ("beta", "1", "1")]  # fmt: skip
    # WHEN alpha is rolled back from the page THEN live serves 1 again, and Terraform's version stays 2
    assert _request(console, "/api/functions/alpha/rollback", "POST") == (
        200, {"function": "alpha", "before": "2", "after": "1"})  # fmt: skip
    alpha = next(f for f in _request(console, "/api/functions")[1] if f["name"] == "alpha")
    assert (alpha["live"], alpha["published"]) == ({"version": "1", "weights": {}}, "2")
    # AND beta, never released, has nothing to go back to: a 409 that says so
    status, refused = _request(console, "/api/functions/beta/rollback", "POST")
    assert status == 409 and "no earlier version" in refused["error"]


@pytest.mark.documents("console.md", "Functions")
def test_a_canary_shows_its_weights(console: ConsoleServer) -> None:
    lam = _client("lambda")
    lam.update_alias(FunctionName="p-alpha", Name=ALIAS, FunctionVersion="1",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})  # fmt: skip
    alpha = next(f for f in _request(console, "/api/functions")[1] if f["name"] == "alpha")
    assert alpha["live"] == {"version": "1", "weights": {"2": 0.1}}


@pytest.mark.documents("console.md", "Functions")
@pytest.mark.documents("emulator.md", "Alarm history and percentiles")
def test_sparklines_come_from_cloudwatch_per_function_and_period(console: ConsoleServer) -> None:
    cloudwatch, now = _client("cloudwatch"), dt.datetime.now(dt.UTC)
    dims = [{"Name": "FunctionName", "Value": "p-alpha"}]
    cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=[
        *({"MetricName": "Invocations", "Dimensions": dims, "Value": 1.0, "Timestamp": now} for _ in range(3)),
        *({"MetricName": "Duration", "Dimensions": dims, "Value": float(ms), "Timestamp": now} for ms in range(1, 101)),
    ])  # fmt: skip
    status, metrics = _request(console, "/api/metrics")
    assert status == 200 and metrics["period_s"] == 300
    alpha, beta = metrics["functions"]["alpha"], metrics["functions"]["beta"]
    assert len(alpha["invocations"]) == 36  # three hours of five-minute periods
    assert [v for v in alpha["invocations"] if v is not None] == [3.0]
    assert [v for v in alpha["p99_ms"] if v is not None] == [99.0]
    assert all(v is None for series in beta.values() for v in series)  # another function's data is not its


@pytest.mark.documents("console.md", "Dashboard")
def test_the_dashboard_is_read_back_widget_by_widget_with_its_series(
    platform: dict[str, Any], console: ConsoleServer
) -> None:
    # GIVEN the dashboard Terraform would deploy: one widget of two functions' invocations, one text
    cloudwatch, now = _client("cloudwatch"), dt.datetime.now(dt.UTC)
    body = {"widgets": [
        {"type": "metric", "properties": {"title": "Lambda Invocations (Sum)", "stat": "Sum", "period": 300,
                                          "metrics": [["AWS/Lambda", "Invocations", "FunctionName", "p-alpha"],
                                                      [".", ".", ".", "p-beta"]]}},
        {"type": "text", "properties": {"markdown": "# <b>On call</b>: page the platform team"}}]}  # fmt: skip
    cloudwatch.put_dashboard(DashboardName="p-platform", DashboardBody=json.dumps(body))
    platform["dashboard_name"] = "p-platform"
    cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=[
        {"MetricName": "Invocations", "Dimensions": [{"Name": "FunctionName", "Value": "p-alpha"}], "Value": 2.0,
         "Timestamp": now}])  # fmt: skip
    # WHEN read THEN each widget with its series; alpha's point, beta's none; the text as text
    status, board = _request(console, "/api/dashboard")
    assert status == 200 and board["name"] == "p-platform"
    invocations, note = board["widgets"]
    assert [(s["label"], [v for _, v in s["points"]]) for s in invocations["series"]] == [
        ("Invocations p-alpha", [2.0]), ("Invocations p-beta", [])]  # fmt: skip
    assert note == {"type": "text", "title": "", "markdown": "# <b>On call</b>: page the platform team"}


@pytest.mark.documents("console.md", "Alarms")
@pytest.mark.documents("emulator.md", "Alarm history and percentiles")
def test_alarms_firing_come_first_with_their_history(console: ConsoleServer) -> None:
    _client("cloudwatch").set_alarm_state(AlarmName="p-alpha-errors", StateValue="ALARM", StateReason="forced")
    status, alarms = _request(console, "/api/alarms")
    assert status == 200 and [(a["name"], a["state"], a["reason"]) for a in alarms] == [
        ("p-alpha-errors", "ALARM", "forced")]  # fmt: skip
    history = _request(console, "/api/alarms/p-alpha-errors/history")[1]
    assert any("ALARM" in item["summary"] for item in history)


@pytest.mark.documents("console.md", "Queues")
def test_queues_name_what_a_dead_letter_queue_serves_and_a_redrive_sends_it_back(console: ConsoleServer) -> None:
    queues = {q["key"]: q for q in _request(console, "/api/queues")[1]}
    assert (queues["work_dlq_url"]["source"], queues["work_dlq_url"]["visible"]) == ("p-work", 1)
    assert queues["work_queue_url"]["dead_letter_arn"].endswith(":p-work-dlq")
    # WHEN its messages are read THEN they stay (a peek), with their age
    (message,) = _request(console, "/api/queues/work_dlq_url/messages")[1]
    assert message["body"] == '{"order": "o-1"}' and message["age_s"] >= 0
    assert next(q for q in _request(console, "/api/queues")[1] if q["key"] == "work_dlq_url")["visible"] == 1
    # WHEN it is redriven THEN the message is back on the work queue
    assert _request(console, "/api/queues/work_dlq_url/redrive", "POST") == (
        200, {"queue": "p-work-dlq", "to": "p-work", "moved": 1, "left": 0})  # fmt: skip
    moved = _client("sqs").receive_message(QueueUrl=queues["work_queue_url"]["url"])["Messages"]
    assert [m["Body"] for m in moved] == ['{"order": "o-1"}']
    # AND a failure queue serves no queue: there is nowhere to redrive it
    status, refused = _request(console, "/api/queues/etl_failure_queue_url/redrive", "POST")
    assert status == 409 and "no queue's dead-letter queue" in refused["error"]


@pytest.mark.documents("console.md", "Schedules")
def test_schedules_list_their_targets_and_fire_on_the_emulator(console: ConsoleServer) -> None:
    (rule,) = _request(console, "/api/schedules")[1]
    assert (rule["name"], rule["expression"], rule["state"]) == ("p-sweep", "rate(1 hour)", "ENABLED")
    assert rule["targets"][0].endswith(":function:p-beta:live")
    assert _request(console, "/api/schedules/session_cleanup_rule_name/fire", "POST") == (
        200, {"rule": "p-sweep", "invoked": ["p-beta:live"]})  # fmt: skip


@pytest.mark.documents("console.md", "Local only")
@pytest.mark.parametrize(
    ("path", "method", "headers", "status"),
    [
        ("/api/functions/gamma/rollback", "POST", {}, 404),  # not in this environment
        ("/api/queues/nope_queue_url/messages", "GET", {}, 404),
        ("/api/nothing", "GET", {}, 404),
        ("/api/functions/alpha/rollback", "POST", {ACTION_HEADER: "0"}, 403),  # a cross-site form cannot send it
        ("/api/functions", "GET", {"Host": "attacker.example:8788"}, 403),  # DNS rebinding
    ],
)  # fmt: skip
def test_what_the_console_refuses_is_a_json_error_that_says_why(
    console: ConsoleServer, path: str, method: str, headers: dict[str, str], status: int
) -> None:
    answer_status, body = _request(console, path, method, headers)
    assert answer_status == status and body["error"] and "Traceback" not in json.dumps(body)
    if status == 403 and method == "POST":
        assert _request(console, "/api/functions", "GET")[1][0]["live"]["version"] == "2"  # nothing moved


@pytest.mark.documents("console.md", "Local only")
def test_the_page_and_its_assets_are_served_with_a_strict_policy(console: ConsoleServer) -> None:
    with urllib.request.urlopen(console.url, timeout=30) as page:
        assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
        html = page.read().decode()
    assert '<script src="/console.js"' in html and "http" not in html.split("<body>")[1].replace("http-equiv", "")
    for asset in ("console.js", "console.css"):
        with urllib.request.urlopen(console.url + asset, timeout=30) as answer:
            assert answer.status == 200 and b"http://" not in answer.read().replace(b"http://www.w3.org/2000/svg", b"")


@pytest.mark.documents("console.md", "Traces")
def test_a_trace_becomes_a_waterfall_of_hops_in_start_order() -> None:
    # GIVEN the documents X-Ray holds for one request: the gateway's segment, the function's under its call
    gateway = {"id": "a1", "name": "api/local", "start_time": 100.0, "end_time": 100.2, "origin": "AWS::ApiGateway::Stage",
               "http": {"response": {"status": 202}},
               "subsegments": [{"id": "a2", "name": "Lambda", "start_time": 100.01, "end_time": 100.19}]}  # fmt: skip
    function = {"id": "b1", "parent_id": "a2", "name": "p-checkout", "start_time": 100.02, "end_time": 100.18,
                "annotations": {"correlation_id": "req-1"}, "fault": True}  # fmt: skip
    trace = {"Id": "1-abc", "Segments": [{"Document": json.dumps(function)}, {"Document": json.dumps(gateway)}]}
    # WHEN drawn THEN one row per hop, nested, offsets from the first start, the correlation id found
    drawn = waterfall(trace)
    assert [(r["depth"], r["name"], r["start_ms"], r["duration_ms"]) for r in drawn["rows"]] == [
        (0, "api/local", 0.0, 200.0), (1, "Lambda", 10.0, 180.0), (2, "p-checkout", 20.0, 160.0)]  # fmt: skip
    assert drawn["rows"][2]["flags"] == ["fault"] and drawn["rows"][0]["status"] == 202
    assert (drawn["duration_ms"], drawn["correlation_id"]) == (200.0, "req-1")


@pytest.mark.documents("console.md", "Queues")
def test_a_queue_shows_the_age_of_its_oldest_message_from_cloudwatch(console: ConsoleServer) -> None:
    # GIVEN SQS's metric for the dead-letter queue (as the emulator samples it and SQS publishes it)
    _client("cloudwatch").put_metric_data(Namespace="AWS/SQS", MetricData=[
        {"MetricName": "ApproximateAgeOfOldestMessage", "Value": 125.0, "Unit": "Seconds",
         "Dimensions": [{"Name": "QueueName", "Value": "p-work-dlq"}]}])  # fmt: skip
    queues = {q["key"]: q for q in _request(console, "/api/queues")[1]}
    # THEN that queue shows it, and one with no datapoint shows none (not a zero it does not know)
    assert queues["work_dlq_url"]["oldest_age_s"] == 125.0
    assert queues["work_queue_url"]["oldest_age_s"] is None


@pytest.mark.documents("console.md", "Bill")
def test_the_bill_is_the_costs_json_and_says_what_to_do_without_a_measurement(platform: dict[str, Any]) -> None:
    reader = ConsoleReader(_client, platform)
    actions = ConsoleActions(reader, _client, None)
    about = {"environment": "emulator", "target": "emulator"}
    answers = iter([{"net_usd": "12.50"}, ToolchainError("no measured usage yet", "run `invoke cost.measure`")])

    def bill() -> Any:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    console = Console(reader, actions, about, bill)
    assert console.answer("GET", "/api/bill", {}) == (200, {"net_usd": "12.50"})
    assert console.answer("GET", "/api/bill", {}) == (
        409, {"error": "no measured usage yet", "hint": "run `invoke cost.measure`"})  # fmt: skip
    assert Console(reader, actions, about).answer("GET", "/api/bill", {})[0] == 404
