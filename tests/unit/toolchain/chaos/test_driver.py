"""The chaos client as a careful client: it retries what did not answer and what answered a server
error, with back-off, until an answer or the end of its window; a refusal is final."""

from __future__ import annotations

from typing import Any

from toolchain.chaos.driver import Driver
from toolchain.cost.measure import Target
from toolchain.cost.profile import EntryPoint

CREATE = EntryPoint("create-user", "api", {"method": "POST", "path": "/users", "auth": True,
                                           "body": '{"email": "u+{n}@example.com"}'})  # fmt: skip


class Reply:
    def __init__(self, status: int, body: Any) -> None:
        self.status_code, self._body, self.text = status, body, str(body)

    def json(self) -> Any:
        return self._body


class Http:
    """Answers in turn: a Reply, or an exception to raise (a connection refused is an OSError)."""

    def __init__(self, *answers: Any) -> None:
        self.answers, self.requests = list(answers), []

    def request(self, method: str, url: str, **kwargs: Any) -> Reply:
        self.requests.append((method, url, kwargs))
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


class Clock:
    def __init__(self) -> None:
        self.now, self.slept = 0.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def driver(http: Http, clock: Clock, window: float = 120.0) -> Driver:
    target = Target({}, "http://127.0.0.1:9/local", lambda subject: f"token-of-{subject}", None, lambda s: None)
    return Driver(target, http, lambda rule: [], clock=clock, sleep=clock.sleep, window=window)


def test_no_answer_and_server_errors_are_retried_with_back_off_under_one_idempotency_key() -> None:
    clock = Clock()
    http = Http(ConnectionRefusedError("emulator restarting"), Reply(503, {}), Reply(201, {"userId": "u-1"}))
    sent = driver(http, clock).send(CREATE, 4, "x1-000004")
    assert (sent.status, sent.attempts, sent.reference, clock.slept) == (201, 3, "u-1", [0.2, 0.4])
    keys = {kwargs["headers"]["Idempotency-Key"] for _m, _u, kwargs in http.requests}
    assert keys == {"chaos-x1-000004"} and http.requests[0][2]["data"] == b'{"email": "u+x1-000004@example.com"}'


def test_a_refusal_is_final_and_a_window_without_answer_ends_unanswered() -> None:
    clock = Clock()
    refused = driver(Http(Reply(409, {"error": "taken"})), clock).send(CREATE, 1, "t")
    assert (refused.status, refused.attempts, refused.accepted) == (409, 1, False)
    silent = driver(Http(*[ConnectionRefusedError("down")] * 50), clock, window=10.0).send(CREATE, 2, "t2")
    assert (silent.status, silent.accepted) == (None, False) and "ConnectionRefusedError" in silent.error
    assert 10.0 - 3.0 <= sum(clock.slept) <= 10.0 + 0.2 and max(clock.slept) == 3.0
