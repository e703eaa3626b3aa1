"""A dashboard widget's `metrics` rows read as CloudWatch reads them (its dashboard body structure:
"." repeats the row above at that place, a trailing object holds a row's own options)."""

from __future__ import annotations

from toolchain.console.reader import dashboard_metrics


def test_rows_repeat_the_row_above_where_they_say_dot_and_keep_their_own_options() -> None:
    rows = [
        ["AWS/Lambda", "Invocations", "FunctionName", "checkout"],
        [".", "Errors", ".", ".", {"stat": "Maximum", "label": "checkout errors"}],
        [".", ".", ".", "worker"],
        ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "work", {"period": 60}],
        [{"expression": "m1 / m2", "label": "error rate"}],  # math: not a metric of its own
        ["AWS/ApiGateway", "Count", "ApiName"],  # a dimension without its value: not a metric
        "not a row",
    ]
    assert dashboard_metrics(rows) == [
        {"namespace": "AWS/Lambda", "name": "Invocations", "dimensions": [("FunctionName", "checkout")],
         "stat": None, "period": None, "label": None},
        {"namespace": "AWS/Lambda", "name": "Errors", "dimensions": [("FunctionName", "checkout")],
         "stat": "Maximum", "period": None, "label": "checkout errors"},
        {"namespace": "AWS/Lambda", "name": "Errors", "dimensions": [("FunctionName", "worker")],
         "stat": None, "period": None, "label": None},
        {"namespace": "AWS/SQS", "name": "ApproximateNumberOfMessagesVisible", "dimensions": [("QueueName", "work")],
         "stat": None, "period": 60, "label": None},
    ]  # fmt: skip
