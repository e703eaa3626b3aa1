"""Faults the emulator injects into AWS's answers, on request and by seed: throttles, server errors
and added latency, per service, at given rates, for the platform's functions (or every caller).

The n-th request to a service draws from that service's own generator, seeded by (seed, service):
the same seed gives the same faults to the same requests of each service in the same order, however
the services' requests interleave. Each fault answers as that service answers it on AWS (its error
code, status and protocol), so the clients' own retries, the platform's idempotency and its
dead-letter queues meet what they would meet there. `/_emulator/faults` sets, reads and clears them.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from toolchain.emulator.iam.sessions import access_key_of, signing_service

KINDS = ("throttle", "error", "latency")
# service -> (protocol, its throttling error's code); the services the platform's functions call
SERVICES = {
    "dynamodb": ("json", "ProvisionedThroughputExceededException"),
    "kinesis": ("json", "ProvisionedThroughputExceededException"),
    "sqs": ("json", "ThrottlingException"),
    "secretsmanager": ("json", "ThrottlingException"),
    "s3": ("rest-xml", "SlowDown"),
    "sns": ("query", "Throttling"),
}
KEEP_INJECTED = 10_000


class FaultError(ValueError):
    """A fault rule that cannot be injected; the message says which and why."""


@dataclass(frozen=True)
class Rule:
    service: str
    kind: str
    rate: float
    ms: int = 0  # added latency, for kind "latency"

    @classmethod
    def parse(cls, text: str) -> Rule:
        """`service:kind:rate[:ms]`, as `invoke chaos` takes them (`dynamodb:throttle:0.05`)."""
        parts = text.strip().split(":")
        if len(parts) not in (3, 4):
            raise FaultError(f"{text!r}: a fault is service:kind:rate[:ms], e.g. dynamodb:throttle:0.05")
        try:
            rate, ms = float(parts[2]), int(parts[3]) if len(parts) == 4 else 0
        except ValueError:
            raise FaultError(f"{text!r}: the rate is a number from 0 to 1 and ms a whole number") from None
        return cls.of({"service": parts[0], "kind": parts[1], "rate": rate, "ms": ms})

    @classmethod
    def of(cls, spec: dict[str, Any]) -> Rule:
        rule = cls(str(spec.get("service", "")), str(spec.get("kind", "")), float(spec.get("rate", -1)),
                   int(spec.get("ms", 0)))  # fmt: skip
        if rule.service not in SERVICES:
            raise FaultError(f"{rule.service!r}: faults are injected into {', '.join(sorted(SERVICES))}")
        if rule.kind not in KINDS:
            raise FaultError(f"{rule.kind!r}: a fault is one of {', '.join(KINDS)}")
        if not 0 <= rule.rate <= 1:
            raise FaultError(f"rate {rule.rate}: a rate is from 0 to 1")
        if rule.kind == "latency" and not 0 < rule.ms <= 30_000:
            raise FaultError(f"latency of {rule.ms} ms: give 1 to 30000 ms (service:latency:rate:ms)")
        return rule


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.configure(0, [], functions_only=True)

    def configure(self, seed: int, rules: list[Rule], *, functions_only: bool) -> None:
        with self._lock:
            self.seed, self.rules, self.functions_only = seed, list(rules), functions_only
            self._draws = {s: random.Random(f"{seed}:{s}") for s in SERVICES}  # noqa: S311 (a seed, not a secret)
            self._counts = dict.fromkeys(SERVICES, 0)
            self.injected: list[tuple[str, int, str]] = []

    def decide(self, service: str) -> list[Rule]:
        """The rules that fire for this request of `service` (each draws, fired or not: a fixed sequence)."""
        with self._lock:
            rules = [r for r in self.rules if r.service == service]
            if not rules:
                return []
            number = self._counts[service]
            self._counts[service] = number + 1
            fired = [rule for rule in rules if self._draws[service].random() < rule.rate]
            for rule in fired:
                if len(self.injected) < KEEP_INJECTED:
                    self.injected.append((service, number, rule.kind))
            return fired

    def durable_state(self) -> dict[str, Any]:
        """Faults set go on after a restart from the request they had reached (a chaos run's restart)."""
        with self._lock:
            return {"seed": self.seed, "rules": [asdict(r) for r in self.rules], "functions_only": self.functions_only,
                    "counts": dict(self._counts), "draws": {s: d.getstate() for s, d in self._draws.items()},
                    "injected": list(self.injected)}  # fmt: skip

    def restore_state(self, state: dict[str, Any]) -> None:
        self.configure(int(state["seed"]), [Rule.of(r) for r in state["rules"]], functions_only=state["functions_only"])
        with self._lock:
            self._counts.update(state["counts"])
            for service, drawn in state["draws"].items():
                self._draws[service].setstate(drawn)
            self.injected = [(str(s), int(n), str(k)) for s, n, k in state["injected"]]

    def describe(self) -> dict[str, Any]:
        with self._lock:
            totals: dict[str, int] = {}
            for service, _number, kind in self.injected:
                totals[f"{service}:{kind}"] = totals.get(f"{service}:{kind}", 0) + 1
            return {"seed": self.seed, "functions_only": self.functions_only,
                    "rules": [asdict(r) for r in self.rules], "requests": dict(self._counts),
                    "injected": totals, "sequence": [list(i) for i in self.injected]}  # fmt: skip


def _answer(service: str, kind: str) -> tuple[str, list[tuple[str, str]], bytes]:
    protocol, throttle = SERVICES[service]
    if kind == "throttle":
        status, code = ("503 Slow Down", throttle) if protocol == "rest-xml" else ("400 Bad Request", throttle)
    else:
        status, code = "500 Internal Server Error", "InternalError" if protocol != "json" else "InternalFailure"
    message = "Rate exceeded (injected)" if kind == "throttle" else "We encountered an internal error (injected)"
    if protocol == "json":
        headers = [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-ErrorType", code)]
        return status, headers, json.dumps({"__type": code, "message": message}).encode()
    if protocol == "rest-xml":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    else:
        body = (f"<ErrorResponse><Error><Type>{'Sender' if kind == 'throttle' else 'Receiver'}</Type>"
                f"<Code>{code}</Code><Message>{message}</Message></Error></ErrorResponse>")  # fmt: skip
    return status, [("Content-Type", "text/xml")], body.encode()


def faulty_app(app: Any, faults: Faults, sessions: Any) -> Callable[[dict[str, Any], Callable[..., Any]],
                                                                     Iterable[bytes]]:  # fmt: skip
    """moto's WSGI app, answering with the faults that fire instead of (or, for latency, after) moto."""

    def faulty(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not faults.rules:
            return app(environ, start_response)
        headers = {"Authorization": environ.get("HTTP_AUTHORIZATION", "")}
        service = signing_service(headers) or ""
        if service not in SERVICES:
            return app(environ, start_response)
        if faults.functions_only:
            session = sessions.find(access_key_of(headers))
            if session is None or not session.function:
                return app(environ, start_response)
        fired = faults.decide(service)
        for rule in fired:
            if rule.kind == "latency":
                time.sleep(rule.ms / 1000)
        failing = next((r for r in fired if r.kind != "latency"), None)
        if failing is None:
            return app(environ, start_response)
        status, response_headers, body = _answer(service, failing.kind)
        start_response(status, [*response_headers, ("Content-Length", str(len(body)))])
        return [body]

    return faulty
