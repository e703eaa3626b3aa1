"""What the console shows, read through the AWS APIs of one environment (the emulator's or AWS's).

Everything is found from the environment's Terraform outputs (function names, queue URLs, rule and
alarm names) and asked of the services themselves: the version `live` serves is GetAlias, not what
Terraform published; an alarm's state is DescribeAlarms. Each panel is one method returning plain
JSON-ready data, so the page, `--json` and the tests read the same thing.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from toolchain.console.invocations import invocations_of
from toolchain.console.platform_map import platform_map
from toolchain.console.waterfall import waterfall
from toolchain.deploy.live import PARALLEL_READS, describe_alarms, read_live
from toolchain.traces import TraceReader

Clients = Callable[[str], Any]  # service name -> a boto3 client for the environment

# The sparklines: three hours in five-minute periods; GetMetricData takes 500 queries a call.
SPARK_HOURS = 3
SPARK_PERIOD = 300
METRIC_QUERIES_PER_CALL = 500
FUNCTION_METRICS = (("invocations", "Invocations", "Sum"), ("errors", "Errors", "Sum"),
                    ("throttles", "Throttles", "Sum"), ("p99_ms", "Duration", "p99"))  # fmt: skip
PEEK_MAX = 10  # SQS hands out at most ten messages a receive
INVOCATION_MINUTES = 15
INVOCATIONS_SHOWN = 50


def _iso(moment: Any) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, dt.datetime):
        return moment.astimezone(dt.UTC).isoformat(timespec="seconds")
    return dt.datetime.fromtimestamp(float(moment), dt.UTC).isoformat(timespec="seconds")


def queue_keys(outputs: dict[str, Any]) -> dict[str, str]:
    """The environment's queues: output name -> URL (every `*_queue_url` and `*_dlq_url`)."""
    return {k: str(v) for k, v in sorted(outputs.items()) if k.endswith(("_queue_url", "_dlq_url")) and v}


def rule_keys(outputs: dict[str, Any]) -> dict[str, str]:
    """The environment's schedules: output name -> rule name (every `*_rule_name`)."""
    return {k: str(v) for k, v in sorted(outputs.items()) if k.endswith("_rule_name") and v}


class ConsoleReader:
    def __init__(self, clients: Clients, outputs: dict[str, Any], clock: Callable[[], float] = time.time,
                 state: Callable[[], dict[str, Any]] | None = None) -> None:  # fmt: skip
        self._clients = clients
        self.outputs = outputs
        self._clock = clock
        self._state = state  # the environment's Terraform state, read when the map is asked for

    def map(self) -> dict[str, Any]:
        """The platform as Terraform recorded it: triggers -> functions -> what they use."""
        if self._state is None:
            return {"nodes": [], "edges": []}
        return platform_map(self._state())

    def client(self, service: str) -> Any:
        return self._clients(service)

    # -- functions -----------------------------------------------------------------------------------
    def functions(self) -> list[dict[str, Any]]:
        """Each function: what `live` serves (and a canary's weights) beside what Terraform published."""
        functions = self.outputs.get("functions") or {}
        names = sorted(functions)
        lam = self._clients("lambda")
        with ThreadPoolExecutor(max_workers=PARALLEL_READS) as pool:
            lives = list(pool.map(lambda n: read_live(lam, functions[n]["function_name"]), names))
        rows = []
        for name, live in zip(names, lives, strict=True):
            fn = functions[name]
            rows.append({
                "name": name,
                "function_name": fn["function_name"],
                "live": live.to_json() if live else None,
                "published": str(fn.get("version", "")),
                "memory_mb": fn.get("memory_size"),
                "timeout_s": fn.get("timeout"),
                "provisioned": fn.get("provisioned_concurrency") or 0,
                "code_sha256": fn.get("source_code_hash"),
                "log_group": fn.get("log_group_name"),
            })  # fmt: skip
        return rows

    def function_metrics(self, hours: int = SPARK_HOURS, period: int = SPARK_PERIOD) -> dict[str, Any]:
        """Per function, its invocations, errors, throttles (sums) and p99 duration per period, oldest
        first, with None where nothing was published, as CloudWatch's GetMetricData answers."""
        functions = self.outputs.get("functions") or {}
        end = int(self._clock()) // period * period + period
        start = end - hours * 3600
        queries, keys = [], {}
        for n, name in enumerate(sorted(functions)):
            for m, (key, metric, stat) in enumerate(FUNCTION_METRICS):
                query_id = f"q{n}_{m}"
                keys[query_id] = (name, key)
                queries.append({"Id": query_id, "ReturnData": True, "MetricStat": {
                    "Metric": {"Namespace": "AWS/Lambda", "MetricName": metric,
                               "Dimensions": [{"Name": "FunctionName",
                                               "Value": functions[name]["function_name"]}]},
                    "Period": period, "Stat": stat}})  # fmt: skip
        slots = [start + i * period for i in range(hours * 3600 // period)]
        series: dict[str, dict[str, list[float | None]]] = {
            name: {key: [None] * len(slots) for key, _, _ in FUNCTION_METRICS} for name in functions
        }
        for query_id, points in self._metric_points(queries, start, end).items():
            name, key = keys[query_id]
            for stamp, value in points:
                slot = (int(stamp.timestamp()) - start) // period
                if 0 <= slot < len(slots):
                    series[name][key][slot] = value
        return {"start": _iso(start), "period_s": period, "functions": series}

    def dashboard(self, hours: int = SPARK_HOURS) -> dict[str, Any]:
        """The CloudWatch dashboard Terraform deployed, each metric widget with its series read back:
        the same widgets, titles, statistics and periods as in the AWS console."""
        name = str(self.outputs.get("dashboard_name") or "")
        if not name:
            return {"name": None, "widgets": []}
        body = json.loads(self._clients("cloudwatch").get_dashboard(DashboardName=name)["DashboardBody"])
        widgets, queries = [], []
        for widget in body.get("widgets") or []:
            properties = widget.get("properties") or {}
            if widget.get("type") == "text":
                widgets.append({"type": "text", "title": "", "markdown": str(properties.get("markdown", ""))})
                continue
            if widget.get("type") != "metric":
                continue
            series = []
            for metric in dashboard_metrics(properties.get("metrics") or []):
                query_id = f"w{len(widgets)}_{len(series)}"
                stat = metric.get("stat") or properties.get("stat") or "Average"
                period = int(metric.get("period") or properties.get("period") or SPARK_PERIOD)
                queries.append({"Id": query_id, "ReturnData": True, "MetricStat": {
                    "Metric": {"Namespace": metric["namespace"], "MetricName": metric["name"],
                               "Dimensions": [{"Name": k, "Value": v} for k, v in metric["dimensions"]]},
                    "Period": period, "Stat": stat}})  # fmt: skip
                label = metric.get("label") or " ".join([metric["name"], *(v for _, v in metric["dimensions"])])
                series.append({"id": query_id, "label": label, "points": []})
            widgets.append({"type": "metric", "title": str(properties.get("title") or ""),
                            "stat": properties.get("stat"), "period": properties.get("period"),
                            "series": series})  # fmt: skip
        end = int(self._clock())
        points = self._metric_points(queries, end - hours * 3600, end + 60)
        for widget in widgets:
            for line in widget.get("series") or []:
                line["points"] = [[_iso(t), v] for t, v in points.get(line.pop("id"), [])]
        return {"name": name, "start": _iso(end - hours * 3600), "end": _iso(end), "widgets": widgets}

    def _metric_points(self, queries: list[dict[str, Any]], start: int, end: int) -> dict[str, list[Any]]:
        """GetMetricData's answers, (time, value) oldest first per query id, every page of every batch."""
        cloudwatch, found = self._clients("cloudwatch"), {}
        for at in range(0, len(queries), METRIC_QUERIES_PER_CALL):
            params: dict[str, Any] = {"MetricDataQueries": queries[at : at + METRIC_QUERIES_PER_CALL],
                                      "StartTime": start, "EndTime": end}  # fmt: skip
            while True:
                page = cloudwatch.get_metric_data(**params)
                for result in page.get("MetricDataResults") or []:
                    pairs = zip(result.get("Timestamps") or [], result.get("Values") or [], strict=False)
                    found.setdefault(result["Id"], []).extend((t, float(v)) for t, v in pairs)
                if not page.get("NextToken"):
                    break
                params["NextToken"] = page["NextToken"]
        return {key: sorted(values) for key, values in found.items()}

    # -- alarms --------------------------------------------------------------------------------------
    def alarms(self) -> list[dict[str, Any]]:
        rows = []
        for alarm in describe_alarms(self._clients("cloudwatch"), list(self.outputs.get("alarm_names") or [])):
            metric = f"{alarm.get('Namespace', '')} {alarm.get('MetricName', '')}".strip()
            rows.append({"name": alarm["AlarmName"], "state": alarm["StateValue"],
                         "reason": alarm.get("StateReason", ""),
                         "since": _iso(alarm.get("StateUpdatedTimestamp")), "metric": metric})  # fmt: skip
        order = {"ALARM": 0, "INSUFFICIENT_DATA": 1, "OK": 2}
        return sorted(rows, key=lambda r: (order.get(r["state"], 3), r["name"]))

    def alarm_history(self, name: str, limit: int = 20) -> list[dict[str, Any]]:
        items = self._clients("cloudwatch").describe_alarm_history(
            AlarmName=name, HistoryItemType="StateUpdate", MaxRecords=limit
        )["AlarmHistoryItems"]
        return [{"at": _iso(i.get("Timestamp")), "summary": i.get("HistorySummary", "")} for i in items]

    # -- queues --------------------------------------------------------------------------------------
    def queues(self) -> list[dict[str, Any]]:
        """Each queue's depth and in-flight count; a dead-letter queue names the queue it serves (the
        one whose redrive policy targets it), which is what a redrive sends its messages back to."""
        sqs, rows = self._clients("sqs"), []
        for key, url in queue_keys(self.outputs).items():
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            redrive = json.loads(attributes.get("RedrivePolicy") or "{}")
            rows.append({"key": key, "name": url.rsplit("/", 1)[-1], "url": url, "arn": attributes.get("QueueArn"),
                         "visible": int(attributes.get("ApproximateNumberOfMessages", 0)),
                         "in_flight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
                         "dead_letter_arn": redrive.get("deadLetterTargetArn"),
                         "max_receives": redrive.get("maxReceiveCount"), "source": None})  # fmt: skip
        by_arn = {row["arn"]: row for row in rows}
        for row in rows:
            target = by_arn.get(row["dead_letter_arn"])
            if target is not None:
                target["source"] = row["name"]
        ages = self._oldest_ages([row["name"] for row in rows])
        for row in rows:
            row["oldest_age_s"] = ages.get(row["name"])
        return rows

    def _oldest_ages(self, names: list[str]) -> dict[str, float]:
        """Each queue's ApproximateAgeOfOldestMessage (AWS/SQS, the latest minute of the last ten): SQS
        answers no age itself. One GetMetricData for every queue; none while a queue has no datapoint."""
        if not names:
            return {}
        end = self._clock()
        queries = [{"Id": f"q{n}", "MetricStat": {"Metric": {"Namespace": "AWS/SQS", "MetricName":
                    "ApproximateAgeOfOldestMessage", "Dimensions": [{"Name": "QueueName", "Value": name}]},
                    "Period": 60, "Stat": "Maximum"}} for n, name in enumerate(names)]  # fmt: skip
        answer = self._clients("cloudwatch").get_metric_data(
            MetricDataQueries=queries, StartTime=dt.datetime.fromtimestamp(end - 600, dt.UTC),
            EndTime=dt.datetime.fromtimestamp(end + 60, dt.UTC), ScanBy="TimestampDescending",
        )  # fmt: skip
        ages = {}
        for result in answer.get("MetricDataResults") or []:
            values = result.get("Values") or []
            if values:
                ages[names[int(result["Id"][1:])]] = float(values[0])
        return ages

    def peek(self, queue_key: str) -> list[dict[str, Any]]:
        """Up to ten messages of a queue, left visible (a receive with visibility 0: each peek counts
        as a receive, so it is offered for dead-letter and failure queues, whose counts move nothing)."""
        url = queue_keys(self.outputs)[queue_key]
        answer = self._clients("sqs").receive_message(
            QueueUrl=url, MaxNumberOfMessages=PEEK_MAX, VisibilityTimeout=0, AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )  # fmt: skip
        now = self._clock()
        rows = []
        for message in answer.get("Messages") or []:
            attributes = message.get("Attributes") or {}
            sent = int(attributes.get("SentTimestamp", 0)) / 1000
            rows.append({"id": message["MessageId"], "body": message["Body"], "sent": _iso(sent) if sent else None,
                         "age_s": round(now - sent, 1) if sent else None,
                         "receives": int(attributes.get("ApproximateReceiveCount", 0))})  # fmt: skip
        return sorted(rows, key=lambda r: r["sent"] or "")

    # -- schedules -----------------------------------------------------------------------------------
    def schedules(self) -> list[dict[str, Any]]:
        events, rows = self._clients("events"), []
        for key, name in rule_keys(self.outputs).items():
            rule = events.describe_rule(Name=name)
            targets = events.list_targets_by_rule(Rule=name).get("Targets") or []
            rows.append({"key": key, "name": name, "expression": rule.get("ScheduleExpression", ""),
                         "state": rule.get("State", ""), "targets": [t["Arn"] for t in targets]})  # fmt: skip
        return rows

    # -- invocations ---------------------------------------------------------------------------------
    def invocations(self, minutes: int = INVOCATION_MINUTES, last: int = INVOCATIONS_SHOWN) -> list[dict[str, Any]]:
        """The newest invocations of every function, newest first, each with its log lines, read from
        the functions' log groups (Lambda's START and REPORT lines bound each one)."""
        functions = self.outputs.get("functions") or {}
        since = int((self._clock() - minutes * 60) * 1000)
        logs = self._clients("logs")

        def read(name: str) -> list[dict[str, Any]]:
            group = functions[name].get("log_group_name") or f"/aws/lambda/{functions[name]['function_name']}"
            try:
                pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group, startTime=since)
                events = [e for page in pages for e in page.get("events") or []]
            except logs.exceptions.ResourceNotFoundException:  # never invoked: no group yet
                return []
            return invocations_of(name, events)

        with ThreadPoolExecutor(max_workers=PARALLEL_READS) as pool:
            found = [i for batch in pool.map(read, sorted(functions)) for i in batch]
        return sorted(found, key=lambda i: i["started"], reverse=True)[:last]

    # -- traces --------------------------------------------------------------------------------------
    def traces(self, correlation_id: str = "", trace_id: str = "", last: int = 20) -> list[dict[str, Any]]:
        """The newest traces (of one correlation id), or one by id, each as a waterfall."""
        reader = TraceReader(self._clients("xray"), self._clock)
        expression = f'annotation.correlation_id = "{correlation_id}"' if correlation_id else ""
        ids = [trace_id] if trace_id else reader.recent(last, expression)
        return [waterfall(trace) for trace in (reader.traces(ids) if ids else [])]


def dashboard_metrics(rows: list[Any]) -> list[dict[str, Any]]:
    """A metric widget's `metrics` rows as CloudWatch reads them: [namespace, name, dimension, value,
    ..., {options}], where "." repeats the row above at that place; math expressions are left out."""
    found: list[dict[str, Any]] = []
    previous: list[Any] = []
    for row in rows:
        if not isinstance(row, list):
            continue
        options = row[-1] if row and isinstance(row[-1], dict) else {}
        parts = [p for p in row if not isinstance(p, dict)]
        if not parts:  # only options: an expression, which is not a metric of its own
            continue
        parts = [previous[i] if p == "." and i < len(previous) else p for i, p in enumerate(parts)]
        previous = parts
        if len(parts) < 2 or len(parts) % 2:
            continue
        dimensions = [(str(parts[i]), str(parts[i + 1])) for i in range(2, len(parts), 2)]
        found.append({"namespace": str(parts[0]), "name": str(parts[1]), "dimensions": dimensions,
                      "stat": options.get("stat"), "period": options.get("period"),
                      "label": options.get("label")})  # fmt: skip
    return found
