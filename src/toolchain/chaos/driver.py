"""Sending one input as a careful client does: a unique tag in everything it sends, an
Idempotency-Key on API writes, and retries (with back-off) of what did not answer or answered a
server error, until the edge answers or the retry window closes: a crashed emulator being started
again looks to a client like a network outage.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from toolchain.cost.measure import Target, sales_csv
from toolchain.cost.profile import EntryPoint
from toolchain.demo import sample_jpeg, slack_headers
from toolchain.errors import ToolchainError

RETRY_WINDOW_SECONDS = 120.0
FIRST_BACKOFF_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 3.0
PHOTO_SIZE = (800, 600)


@dataclass
class Sent:
    """An input and what the edge answered: `status` is the final HTTP status (200 for an SDK call
    that succeeded), None if nothing answered within the retry window."""

    entry: str
    number: int
    tag: str
    status: int | None = None
    answer: Any = None
    attempts: int = 0
    error: str = ""
    reference: str = ""  # what the input made, where the edge says (an object's key, a user's id)

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Retry(Exception):
    """An attempt that did not get a final answer: worth another."""


def _status_of(exc: Exception) -> int | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0) or None
    return None


class Driver:
    def __init__(self, target: Target, http: Any, fire: Callable[[str], list[str]], *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 window: float = RETRY_WINDOW_SECONDS) -> None:  # fmt: skip
        self._target = target
        self._http = http
        self._fire = fire
        self._clock = clock
        self._sleep = sleep
        self._window = window
        self.user: str = ""  # an existing user, for GET /users/{user}

    def send(self, entry: EntryPoint, number: int, tag: str) -> Sent:
        sent = Sent(entry.name, number, tag)
        attempt = {"api": self._api, "slack": self._slack, "upload": self._upload, "record": self._record,
                   "schedule": self._schedule}[entry.kind]  # fmt: skip
        deadline = self._clock() + self._window
        backoff = FIRST_BACKOFF_SECONDS
        while True:
            sent.attempts += 1
            try:
                attempt(entry, tag, sent)
                return sent
            except Retry as retry:
                sent.error = str(retry)
            except Exception as exc:  # an SDK call: a server error or no answer is retried, others are final
                status = _status_of(exc)
                sent.status, sent.error = status, f"{type(exc).__name__}: {exc}"[:300]
                if status is not None and status < 500:
                    return sent
            if self._clock() + backoff > deadline:
                return sent
            self._sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    def _output(self, entry: EntryPoint, key: str) -> str:
        return str(self._target.outputs[str(entry.get(key))])

    def _request(self, method: str, path: str, sent: Sent, **kwargs: Any) -> None:
        try:
            reply = self._http.request(method, str(self._target.api_url).rstrip("/") + path, timeout=30, **kwargs)
        except OSError as exc:  # requests' connection errors and timeouts are OSErrors
            sent.status = None
            raise Retry(f"{type(exc).__name__}: {exc}"[:300]) from None
        sent.status = reply.status_code
        try:
            sent.answer = reply.json()
        except ValueError:
            sent.answer = reply.text[:500]
        if reply.status_code >= 500:
            raise Retry(f"answered {reply.status_code}")

    def _api(self, entry: EntryPoint, tag: str, sent: Sent) -> None:
        path = str(entry.get("path")).replace("{n}", tag).replace("{user}", self.user)
        headers = {"Authorization": f"Bearer {self._target.token(f'chaos-{tag}')}"} if entry.get("auth") else {}
        body = entry.get("body")
        if body is not None:
            headers["Content-Type"] = "application/json"
            headers["Idempotency-Key"] = f"chaos-{tag}"
            body = str(body).replace("{n}", tag).encode()
        self._request(str(entry.get("method")), path, sent, data=body, headers=headers)
        if isinstance(sent.answer, dict):
            sent.reference = str(sent.answer.get("userId") or sent.answer.get("orderId") or "")

    def create_user(self, tag: str) -> str:
        """A user made through the API (GET /users/{user} reads it); its id, or "" if it was not made."""
        body = {"name": "Chaos Probe", "email": f"chaos+{tag}@example.com"}
        sent = Sent("probe", -1, tag)
        headers = {"Authorization": f"Bearer {self._target.token(f'chaos-{tag}')}", "Idempotency-Key": tag}
        self._request("POST", "/users", sent, json=body, headers=headers)
        return str(sent.answer.get("userId", "")) if sent.status == 201 and isinstance(sent.answer, dict) else ""

    def _slack(self, entry: EntryPoint, tag: str, sent: Sent) -> None:
        body = urlencode({"command": entry.get("command"), "text": entry.get("text"), "user_id": f"U{tag[-8:]}"})
        headers = slack_headers(str(self._target.slack_secret), body, time.time())
        self._request("POST", "/slack/commands", sent, data=body, headers=headers)

    def _upload(self, entry: EntryPoint, tag: str, sent: Sent) -> None:
        bucket = self._output(entry, "bucket_output")
        prefix = self._output(entry, "prefix_output") if entry.get("prefix_output") else str(entry.get("prefix", ""))
        if entry.get("rows"):
            key, body = f"{prefix}chaos/{tag}.csv", sales_csv(int(entry.get("rows")), tag)
        else:
            key, body = f"{prefix}chaos/{tag}.jpg", sample_jpeg(*PHOTO_SIZE, orientation=1)
        sent.reference = key
        self._target.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
        sent.status = 200

    def _record(self, entry: EntryPoint, tag: str, sent: Sent) -> None:
        data = str(entry.get("data")).replace("{n}", tag).encode()
        self._target.client("kinesis").put_record(StreamName=self._output(entry, "stream_output"), Data=data,
                                                  PartitionKey=tag)  # fmt: skip
        sent.status = 200

    def _schedule(self, entry: EntryPoint, tag: str, sent: Sent) -> None:
        try:
            fired = self._fire(self._output(entry, "rule_output"))
        except (OSError, ToolchainError) as exc:  # the emulator restarting: not running, or not answering
            raise Retry(f"{type(exc).__name__}: {exc}"[:300]) from None
        sent.status = 200 if fired else 404
        sent.answer = fired
