"""Where an input ended, from what the edge answered and what the platform holds: every class of
the account, and the order in which they are decided (effects before answers)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from toolchain.chaos.driver import Sent
from toolchain.chaos.outcomes import account, dead_letter_reason, fill
from toolchain.chaos.profile import Account, Check
from toolchain.chaos.report import text
from toolchain.chaos.run import Report
from toolchain.cost.profile import EntryPoint

OUTPUTS = {"users": "users-table", "status": "status-table", "queues": {"dlq": "dlq-url"}, "prefix": "thumbs/"}


class FakeReader:
    """The platform's state as a test sets it: items by table, objects, messages by queue."""

    def __init__(self, items: dict[str, list[dict[str, Any]]] | None = None, messages: list[dict[str, Any]] = (),
                 objects: set[tuple[str, str]] = frozenset(), keys: dict[str, list[str]] | None = None) -> None:  # fmt: skip
        self.items, self.msgs, self.objects = items or {}, list(messages), set(objects)
        self.keys = keys or {}

    def output(self, name: str) -> str:
        value: Any = OUTPUTS
        for part in name.split("."):
            value = value[part]
        return str(value)

    def key_of(self, table: str) -> list[str]:
        return self.keys.get(table, ["pk"])

    def _matching(self, table: str, match: dict[str, str]) -> list[dict[str, Any]]:
        return [i for i in self.items.get(table, []) if all(str(i.get(k)) == v for k, v in match.items())]

    get = scan = _matching

    def present(self, table: str, keys: list[dict[str, str]]) -> int:
        return sum(1 for key in keys if self._matching(table, key))

    def exists(self, bucket: str, key: str) -> bool:
        return (bucket, key) in self.objects

    def messages(self, queue_url: str) -> list[dict[str, Any]]:
        return self.msgs if queue_url == "dlq-url" else []


USER = Account(EntryPoint("create-user", "api", {"method": "POST"}),
               1.0, (Check("item", {"table_output": "users", "match": {"email": "u+{n}@x"}}),))  # fmt: skip
ORDER = Account(
    EntryPoint("place-order", "api", {"method": "POST"}), 1.0,
    (Check("item", {"table_output": "users", "match": {"customerId": "c-{n}"}, "count": "processed"}),
     Check("item", {"table_output": "status", "match": {"orderId": "{item.jobId}"}, "done": {"status": "completed"},
                    "failed": {"status": "failed"}, "reason": "reason"})),
    ("queues.dlq",),
)  # fmt: skip
READ = Account(EntryPoint("get-user", "api", {}), 1.0, (Check("answer", {"ok": [200], "refusals": [429]}),))


def sent(status: int | None, tag: str = "t1", **fields: Any) -> Sent:
    return Sent("e", 1, tag, status=status, **fields)


def test_an_item_found_once_is_processed_and_found_twice_doubled() -> None:
    once = FakeReader({"users-table": [{"email": "u+t1@x"}]})
    assert account(USER, sent(201), once, OUTPUTS).outcome == "processed"
    twice = FakeReader({"users-table": [{"email": "u+t1@x"}, {"email": "u+t1@x"}]})
    result = account(USER, sent(201), twice, OUTPUTS)
    assert (result.outcome, result.reason) == ("doubled", "2 items match {'email': 'u+t1@x'}")


def test_effects_are_read_before_answers_a_retry_refused_as_taken_is_still_processed() -> None:
    # the first attempt made the user and lost its answer; the retry was answered 409
    assert account(USER, sent(409), FakeReader({"users-table": [{"email": "u+t1@x"}]}), OUTPUTS).outcome == "processed"


@pytest.mark.parametrize(
    ("status", "outcome", "reason"),
    [(201, "lost", "accepted, and found nowhere"), (400, "refused", "answered 400"), (429, "refused", "answered 429"),
     (503, "failed", "answered 503"), (None, "failed", "answered None")],
)  # fmt: skip
def test_an_input_with_no_effect_is_lost_only_if_the_edge_accepted_it(status: int | None, outcome: str,
                                                                       reason: str) -> None:  # fmt: skip
    result = account(USER, sent(status), FakeReader(), OUTPUTS)
    assert (result.outcome, result.reason) == (outcome, reason)


def test_a_chain_of_checks_reads_the_next_by_what_the_first_found() -> None:
    fulfilment = {"customerId": "c-t1", "jobId": "j-9", "processed": 1}
    done = FakeReader({"users-table": [fulfilment], "status-table": [{"orderId": "j-9", "status": "completed"}]})
    assert account(ORDER, sent(202), done, OUTPUTS).outcome == "processed"
    still = FakeReader({"users-table": [fulfilment], "status-table": [{"orderId": "j-9", "status": "processed"}]})
    assert account(ORDER, sent(202), still, OUTPUTS).outcome == "lost"
    failed = FakeReader({"users-table": [fulfilment],
                         "status-table": [{"orderId": "j-9", "status": "failed", "reason": "items do not add up"}]})  # fmt: skip
    assert (account(ORDER, sent(202), failed, OUTPUTS).outcome,
            account(ORDER, sent(202), failed, OUTPUTS).reason) == ("dead_lettered", "items do not add up")  # fmt: skip
    twice = FakeReader({"users-table": [{**fulfilment, "processed": 2}]})
    assert account(ORDER, sent(202), twice, OUTPUTS).outcome == "doubled"


def test_an_input_in_its_dead_letter_queue_is_dead_lettered_with_the_reason_it_gives() -> None:
    record = {"requestContext": {"condition": "RetriesExhausted"}, "requestPayload": {"key": "uploads/t1.jpg"},
              "responsePayload": {"errorType": "ImageTooLarge", "errorMessage": "40 MP"}}  # fmt: skip
    reader = FakeReader(messages=[{"Body": json.dumps(record)}])
    result = account(ORDER, sent(202), reader, OUTPUTS)
    assert (result.outcome, result.reason) == ("dead_lettered", "RetriesExhausted (ImageTooLarge: 40 MP)")
    assert dead_letter_reason({"Body": '{"jobId": "t1"}', "Attributes": {"ApproximateReceiveCount": "3"}}) == (
        "moved after 3 receives")  # fmt: skip
    assert dead_letter_reason({"Body": "not json"}) == "dead-lettered"
    assert account(ORDER, sent(202, tag="t2"), reader, OUTPUTS).outcome == "lost"  # another input's letter


@pytest.mark.parametrize(("status", "outcome"), [(200, "processed"), (429, "refused"), (404, "wrong"),
                                                 (500, "failed"), (None, "failed")])  # fmt: skip
def test_a_read_is_its_answer_and_a_404_for_what_exists_is_a_wrong_answer(status: int | None, outcome: str) -> None:
    assert account(READ, sent(status), FakeReader(), OUTPUTS).outcome == outcome


def test_rows_and_objects_are_processed_only_when_all_there() -> None:
    rows = Account(EntryPoint("csv", "upload", {"rows": 3}), 1.0,
                   (Check("items", {"table_output": "users", "key": {"pk": "{n}-{i}"}}),))  # fmt: skip
    assert account(rows, sent(200), FakeReader({"users-table": [{"pk": f"t1-{i}"} for i in range(3)]}),
                   OUTPUTS).outcome == "processed"  # fmt: skip
    partial = account(rows, sent(200), FakeReader({"users-table": [{"pk": "t1-0"}]}), OUTPUTS)
    assert (partial.outcome, partial.reason) == ("lost", "1 of 3 rows")
    photo = Account(EntryPoint("photo", "upload", {}), 1.0,
                    (Check("object", {"bucket_output": "users", "key": "{outputs.prefix}{n}.jpg"}),))  # fmt: skip
    assert account(photo, sent(200), FakeReader(objects={("users-table", "thumbs/t1.jpg")}), OUTPUTS).outcome == (
        "processed")  # fmt: skip


def test_a_template_names_what_is_known_and_matches_nothing_for_what_is_not() -> None:
    known = Sent("e", 1, "t7", answer={"orderId": "o-1"})
    assert fill("{n}/{answer.orderId}/{item.jobId}/{outputs.queues.dlq}", known, OUTPUTS, {"jobId": "j"}) == (
        "t7/o-1/j/dlq-url")  # fmt: skip
    assert "\x00" in fill("{answer.orderId}", Sent("e", 1, "t7"), OUTPUTS)


def test_the_report_totals_every_row_and_is_clean_only_with_nothing_lost_or_doubled() -> None:
    rows = {"a": {"inputs": 3, "processed": 2, "dead_lettered": 1, "refused": 0, "failed": 0, "wrong": 0, "lost": 0,
                  "doubled": 0},
            "b": {"inputs": 2, "processed": 1, "dead_lettered": 0, "refused": 1, "failed": 0, "wrong": 0, "lost": 0,
                  "doubled": 0}}  # fmt: skip
    report = Report(1, 60, "f", "x1", {"injected": {"dynamodb:throttle": 4}}, [], rows,
                    [{"entry": "a", "outcome": "dead_lettered", "reason": "RetriesExhausted", "tag": "t"}])  # fmt: skip
    assert report.totals["inputs"] == 5 and report.totals["processed"] == 3 and report.clean
    shown = text(report)
    assert (
        "total" in shown
        and "nothing lost, nothing doubled" in shown
        and "a: 1 dead-lettered: RetriesExhausted" in shown
    )
    rows["b"]["lost"], rows["b"]["refused"] = 1, 0
    assert not report.clean and "NOT clean: 1 lost" in text(report)


def test_scheduled_events_are_counted_and_the_inputs_take_the_outcomes_in_turn() -> None:
    from toolchain.chaos import profile as profiles
    from toolchain.chaos.plan import make_plan
    from toolchain.chaos.run import ChaosRun
    from toolchain.cost.measure import Target

    loaded = profiles.load(__import__("pathlib").Path(__file__).resolve().parents[4] / "profiles" / "chaos.toml")
    target = Target({"functions": {"sessions": {"function_name": "dev-sessions"}}}, None, str, None, lambda s: None)
    run = ChaosRun(loaded, make_plan(1, 10, loaded, []), target, type("E", (), {"fire": None})(), None)
    fired = [Sent("session-cleanup", n, f"t{n}", status=200) for n in range(5)] + [Sent("session-cleanup", 5, "t5")]
    before = {"dev-sessions": {"aws:events": {"accepted": 2, "succeeded": 2, "failed": 0, "dropped": 0}}}
    after = {"dev-sessions": {"aws:events": {"accepted": 7, "succeeded": 5, "failed": 1, "dropped": 0}}}
    outcomes = run._events({"function": "sessions", "source": "aws:events"}, fired, before, after)
    assert [o.outcome for o in outcomes] == ["failed", "processed", "processed", "processed", "dead_lettered", "lost"]
    assert outcomes[-1].reason == "accepted, and never finished"


def test_a_run_whose_clients_fell_behind_the_plan_says_so() -> None:
    rows = {"a": {"inputs": 1, "processed": 1, "dead_lettered": 0, "refused": 0, "failed": 0, "wrong": 0, "lost": 0,
                  "doubled": 0}}  # fmt: skip
    assert "the clients took" not in text(Report(1, 60, "f", "x1", {"injected": {}}, [], rows, [], 62.0))
    assert "the clients took 200 s to send the plan's 60 s" in text(Report(1, 60, "f", "x1", {"injected": {}}, [],
                                                                           rows, [], 200.0))  # fmt: skip


def test_a_message_delivered_twice_is_one_and_two_sent_are_doubled() -> None:
    def notification(message_id: str) -> dict[str, Any]:
        body = {"Type": "Notification", "MessageId": message_id, "Message": '{"order_id": "o-t1"}'}
        return {"Body": json.dumps(body), "MessageId": f"sqs-{len(message_id)}-{id(body)}"}

    alerts = Account(EntryPoint("order-record", "record", {}), 1.0,
                     (Check("message", {"queue_output": "queues.dlq", "contains": "o-{n}"}),))  # fmt: skip
    redelivered = FakeReader(messages=[notification("sns-1"), notification("sns-1")])
    assert account(alerts, sent(200), redelivered, OUTPUTS).outcome == "processed"
    published_twice = FakeReader(messages=[notification("sns-1"), notification("sns-2"), notification("sns-2")])
    result = account(alerts, sent(200), published_twice, OUTPUTS)
    assert (result.outcome, result.reason) == ("doubled", "2 messages sent hold o-t1, 1 delivered again")


def test_a_client_that_fails_still_accounts_for_its_input_as_never_answered() -> None:
    import queue

    from toolchain.chaos import profile as profiles
    from toolchain.chaos.plan import make_plan
    from toolchain.chaos.run import ChaosRun
    from toolchain.cost.measure import Target

    loaded = profiles.load(__import__("pathlib").Path(__file__).resolve().parents[4] / "profiles" / "chaos.toml")
    plan = make_plan(1, 1, loaded, [])
    run = ChaosRun(loaded, plan, Target({}, None, str, None, lambda s: None), type("E", (), {"fire": None})(), None)

    def broken(*args: Any) -> Sent:
        raise RuntimeError("out of sockets")

    run.driver.send = broken  # type: ignore[method-assign]
    work: queue.Queue[Any] = queue.Queue()
    for item in [*plan.inputs, None]:
        work.put(item)
    run._client(work, 0.0)
    assert [(s.status, s.error) for s in run._sent] == [(None, "the client failed: RuntimeError: out of sockets")] * len(
        plan.inputs)  # fmt: skip
