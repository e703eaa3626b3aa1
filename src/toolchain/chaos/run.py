"""A seeded chaos run, end to end: the emulator made durable on answer, the faults set, the plan's
inputs sent by its clients while its disruptions happen, the faults taken off, the platform left to
settle, and then every input accounted for.

The collaborators come in (the emulator's control, the environment as a Target, an HTTP session,
the clock), so the run drives any emulator and its bookkeeping is testable without one.
"""

from __future__ import annotations

import os
import queue
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from toolchain.chaos.driver import Driver, Sent
from toolchain.chaos.outcomes import OUTCOMES, Outcome, Reader, account
from toolchain.chaos.plan import Disruption, Plan
from toolchain.chaos.profile import ChaosProfile
from toolchain.cost.measure import Target, settle
from toolchain.errors import ToolchainError

DURABILITY = "EMULATOR_DURABILITY"
SETTLE_SECONDS = 600.0
DEAD_SECONDS = 30.0


class Emulator(Protocol):
    def running(self) -> Any: ...

    def start(self) -> tuple[Any, bool]: ...

    def stop(self) -> Any: ...

    def state(self) -> dict[str, Any]: ...

    def set_faults(self, seed: int, faults: list[dict[str, Any]], *, functions_only: bool = True) -> dict[str, Any]: ...

    def faults(self) -> dict[str, Any]: ...

    def crash_workers(self, function_name: str = "") -> int: ...

    def async_outcomes(self) -> dict[str, dict[str, dict[str, int]]]: ...

    def wait_idle(self, timeout: float = 120.0) -> bool: ...

    def fire(self, rule: str) -> list[str]: ...


@dataclass
class Report:
    seed: int
    seconds: float
    fingerprint: str
    run_id: str
    faults: dict[str, Any]
    disruptions: list[dict[str, Any]]
    rows: dict[str, dict[str, int]]  # entry point -> outcome -> inputs
    details: list[dict[str, Any]] = field(default_factory=list)  # every input not processed, and why
    sent_seconds: float = 0.0  # how long the clients took to send the plan (longer: they fell behind)

    @property
    def totals(self) -> dict[str, int]:
        return {name: sum(row[name] for row in self.rows.values()) for name in ("inputs", *OUTCOMES)}

    @property
    def clean(self) -> bool:
        """Nothing lost, nothing doubled, no wrong answer, nothing left unanswered."""
        totals = self.totals
        return all(totals[name] == 0 for name in ("lost", "doubled", "wrong", "failed"))

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "totals": self.totals, "clean": self.clean}


def _kill(emulator: Emulator, log: Callable[[str], None]) -> None:
    info = emulator.running()
    if info is None:
        return
    os.kill(info.pid, signal.SIGKILL)
    deadline = time.monotonic() + DEAD_SECONDS
    while emulator.running() is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    log(f"  killed the emulator (pid {info.pid}, kill -9)")


class ChaosRun:
    def __init__(self, profile: ChaosProfile, plan: Plan, target: Target, emulator: Emulator, http: Any, *,
                 log: Callable[[str], None] = print, settle_seconds: float = SETTLE_SECONDS) -> None:  # fmt: skip
        self.profile = profile
        self.plan = plan
        self.target = target
        self.emulator = emulator
        self.log = log
        self.run_id = f"x{uuid.uuid4().hex[:8]}"  # in every tag: this run's inputs, and only they
        self.driver = Driver(target, http, emulator.fire)
        self._settle_seconds = settle_seconds
        self._sent: list[Sent] = []
        self._lock = threading.Lock()
        self._done_disruptions: list[dict[str, Any]] = []
        self._sent_seconds = 0.0

    # -- the emulator ------------------------------------------------------------------------------
    def _restart(self, durability: str | None) -> None:
        """Stop (a last checkpoint) and start from it, with EMULATOR_DURABILITY as given (None: unset)."""
        if durability is None:
            os.environ.pop(DURABILITY, None)
        else:
            os.environ[DURABILITY] = durability
        self.emulator.stop()
        self.emulator.start()

    def _function(self, key: str) -> str:
        return str(self.target.outputs["functions"][key]["function_name"])

    def _disrupt(self, disruption: Disruption) -> None:
        if disruption.kind == "crash-workers":
            crashed = self.emulator.crash_workers(self._function(disruption.target))
            self.log(f"  {disruption.at:6.1f} s: crashed {crashed} worker(s) of {disruption.target}")
            done = {**asdict(disruption), "crashed": crashed}
        else:
            self.log(f"  {disruption.at:6.1f} s: the emulator is killed and started again")
            _kill(self.emulator, self.log)
            started = time.monotonic()
            self.emulator.start()  # from its last checkpoint: on answer, everything answered
            done = {**asdict(disruption), "down_seconds": round(time.monotonic() - started, 2)}
        self._done_disruptions.append(done)

    # -- the load ----------------------------------------------------------------------------------
    def _client(self, work: queue.Queue[Any], began: float) -> None:
        while (item := work.get()) is not None:
            wait = began + item.at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            # fixed width: no tag is the start of another (`-15` of `-150`), so a body holding one is its input's
            tag = f"{self.run_id}-{item.number:06d}"
            try:
                sent = self.driver.send(self.profile.accounts[item.entry].entry, item.number, tag)
            except Exception as exc:  # the client's own failure: the input counts, as one never answered
                sent = Sent(item.entry, item.number, tag, error=f"the client failed: {type(exc).__name__}: {exc}")
            with self._lock:
                self._sent.append(sent)

    def _drive(self) -> None:
        work: queue.Queue[Any] = queue.Queue()
        for item in self.plan.inputs:
            work.put(item)
        for _ in range(self.profile.clients):
            work.put(None)
        began = time.monotonic()
        clients = [threading.Thread(target=self._client, args=(work, began), daemon=True, name=f"chaos-client-{n}")
                   for n in range(self.profile.clients)]  # fmt: skip
        for client in clients:
            client.start()
        for disruption in self.plan.disruptions:
            wait = began + disruption.at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._disrupt(disruption)
        for client in clients:
            client.join()

    # -- the whole run -----------------------------------------------------------------------------
    def run(self) -> Report:
        state = self.emulator.state()
        if not state.get("persisting"):
            raise ToolchainError(
                "the emulator keeps its state in memory only (EMULATOR_PERSIST=0)",
                "a crashed emulator would lose everything: unset EMULATOR_PERSIST and `invoke up`",
            )
        previous = os.environ.get(DURABILITY)
        if not state.get("durable_on_answer"):
            self.log("Restarting the emulator durable on answer (EMULATOR_DURABILITY=answer) for the run")
            self._restart("answer")
        try:
            before, injected = self._load()
        finally:
            if not state.get("durable_on_answer"):
                self.log("Restarting the emulator as it was")
                self._restart(previous)
        return self._account(before, injected)  # (reading is no faster for waiting on checkpoints)

    def _load(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The plan's load and disruptions under the faults, until the platform has settled; what the
        asynchronous events' counters said before, and the faults injected."""
        self.driver.user = self._probe_user()
        before = self.emulator.async_outcomes()
        rules = [asdict(rule) for rule in self.profile.faults]
        self.emulator.set_faults(self.plan.seed, rules)
        plan = self.plan
        self.log(f"Driving {len(plan.inputs)} inputs over {plan.seconds:.0f} s with {self.profile.clients} clients; "
                 f"{len(rules)} fault rules, seed {plan.seed} (plan {plan.fingerprint()})")  # fmt: skip
        started = time.monotonic()
        try:
            self._drive()
        finally:
            self._sent_seconds = round(time.monotonic() - started, 1)
            injected = self.emulator.faults()
            self.emulator.set_faults(0, [])
        self.log(f"Sent; settling (faults off; injected {sum(injected['injected'].values())})")
        settle(self.emulator, self.target.client("stepfunctions"), self.target.outputs.get("order_workflow_arn"),
               self._settle_seconds)  # fmt: skip
        return before, injected

    def _probe_user(self) -> str:
        """The user GET /users/{user} reads, made before the faults start."""
        if not any("{user}" in str(a.entry.get("path", "")) for a in self.profile.accounts.values()):
            return ""
        user = self.driver.create_user(f"{self.run_id}-probe")
        if not user:
            raise ToolchainError("could not create the user GET /users/{user} reads before the run",
                                 "is the API served? `invoke up`")  # fmt: skip
        return user

    def _account(self, before: dict[str, Any], injected: dict[str, Any]) -> Report:
        if len(self._sent) != len(self.plan.inputs):  # every input of the plan is accounted for, or none is
            raise ToolchainError(f"{len(self.plan.inputs) - len(self._sent)} inputs of the plan were never sent")
        reader = Reader(self.target.client, self.target.outputs, lambda body: self.run_id in body)
        after = self.emulator.async_outcomes()
        rows = {name: dict.fromkeys(("inputs", *OUTCOMES), 0) for name in sorted(self.profile.accounts)}
        details = []
        by_entry: dict[str, list[Sent]] = {}
        for sent in sorted(self._sent, key=lambda s: s.number):
            by_entry.setdefault(sent.entry, []).append(sent)
        for name, sent_list in by_entry.items():
            account_ = self.profile.accounts[name]
            if account_.checks[0].kind == "events":
                outcomes = self._events(account_.checks[0].settings, sent_list, before, after)
            else:
                outcomes = [account(account_, sent, reader, self.target.outputs) for sent in sent_list]
            for outcome in outcomes:
                rows[name]["inputs"] += 1
                rows[name][outcome.outcome] += 1
                if outcome.outcome != "processed":
                    details.append({"entry": name, "tag": outcome.sent.tag, "outcome": outcome.outcome,
                                    "reason": outcome.reason, "status": outcome.sent.status,
                                    "attempts": outcome.sent.attempts})  # fmt: skip
        faults = {"rules": list(self.profile.fault_texts), "injected": injected.get("injected", {}),
                  "requests": injected.get("requests", {}), "sequence": injected.get("sequence", [])}  # fmt: skip
        return Report(self.plan.seed, self.plan.seconds, self.plan.fingerprint(), self.run_id, faults,
                      self._done_disruptions, rows, details, self._sent_seconds)  # fmt: skip

    def _events(self, check: dict[str, Any], sent: list[Sent], before: dict[str, Any],
                after: dict[str, Any]) -> list[Outcome]:  # fmt: skip
        """Asynchronous events carry no tag of the input: they are counted, and the inputs take the
        outcomes in turn (succeeded first, then sent to the on-failure destination, then dropped)."""
        function, source = self._function(str(check["function"])), str(check["source"])

        def delta(name: str) -> int:
            now = after.get(function, {}).get(source, {}).get(name, 0)
            return int(now - before.get(function, {}).get(source, {}).get(name, 0))

        fired = [s for s in sent if s.accepted]
        succeeded, failed, dropped = delta("succeeded"), delta("failed"), delta("dropped")
        outcomes = [Outcome(s, "refused" if s.status and s.status < 500 else "failed", s.error) for s in sent
                    if not s.accepted]  # fmt: skip
        for n, s in enumerate(fired):
            if n < succeeded:
                outcomes.append(Outcome(s, "processed"))
            elif n < succeeded + failed:
                outcomes.append(Outcome(s, "dead_lettered", "sent to the on-failure destination"))
            elif n < succeeded + failed + dropped:
                outcomes.append(Outcome(s, "lost", "dropped after its retries (no on-failure destination)"))
            else:
                outcomes.append(Outcome(s, "lost", "accepted, and never finished"))
        if succeeded + failed + dropped > len(fired):  # more finished than were fired: a scheduled firing too,
            extra = succeeded + failed + dropped - len(fired)  # or an event run twice
            self.log(f"  {function}: {extra} more event(s) from {source} finished than the run fired")
        return outcomes
