"""Measuring what one request of each entry point uses: drive it on the emulator, wait until everything
it set off has run (queues, streams, the workflow), and read the emulator's meter before and after.

The collaborators come in (the emulator's control, AWS clients, an HTTP session, the clock), so the
measurement runs against any emulator and its arithmetic is testable without one.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlencode

from toolchain.cost.profile import EntryPoint, Profile
from toolchain.cost.usage import EntryUsage, Measured, Units, difference, scaled
from toolchain.demo import sample_jpeg, slack_headers
from toolchain.errors import ToolchainError

WAIT_SECONDS = 300.0


class Emulator(Protocol):
    def usage(self, since: float = 0.0) -> dict[str, Any]: ...

    def wait_idle(self, timeout: float = 120.0) -> bool: ...

    def fire(self, rule: str) -> list[str]: ...


@dataclass
class Target:
    """The environment measured: its outputs, local API, tokens its authorizer accepts (one per
    subject), the Slack signing secret, and a client per AWS service."""

    outputs: dict[str, Any]
    api_url: str | None
    token: Callable[[str], str]
    slack_secret: str | None
    client: Callable[[str], Any]


def readings(found: dict[str, Any]) -> Units:
    """The meter and the state-derived units of one `/_emulator/usage` answer, as one reading."""
    merged: Units = {}
    for source in (found.get("meter") or {}, found.get("units") or {}):
        for payer, units in source.items():
            for unit, amount in units.items():
                merged.setdefault(payer, {})[unit] = merged.get(payer, {}).get(unit, 0.0) + float(amount)
    return merged


def by_logical_name(units: Units, outputs: dict[str, Any]) -> Units:
    """Payers by the names the environment's outputs give them: functions by their key in `functions`,
    the state machine as `workflow`; storage by service (which table or bucket does not matter to the bill)."""
    logical = {str(fn["function_name"]): name for name, fn in (outputs.get("functions") or {}).items()}
    found: Units = {}
    for payer, payer_units in units.items():
        name = logical.get(payer, "workflow" if payer.startswith("states:") else payer)
        for unit, amount in payer_units.items():
            key = unit.split(":", 1)[0]  # dynamodb.stored_bytes:<table> -> dynamodb.stored_bytes
            found.setdefault(name, {})[key] = found.get(name, {}).get(key, 0.0) + amount
    return found


def sales_csv(rows: int, tag: str) -> bytes:
    lines = ["id,date,amount,region,product"]
    lines += [f"{tag}-{n},2026-11-{1 + n % 28:02d},{10 + n % 90}.{n % 100:02d},eu,Kettle" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def settle(emulator: Emulator, states: Any, workflow: str | None, wait: float = WAIT_SECONDS) -> None:
    """Until nothing is left to run: deliveries, then the workflow's executions (which the emulator's
    idle does not count), then what those set off."""

    def running() -> bool:
        return bool(states.list_executions(stateMachineArn=workflow, statusFilter="RUNNING")["executions"])

    for _ in range(5):
        emulator.wait_idle(wait)
        if not workflow or not running():
            return
        deadline = time.monotonic() + wait
        while running():
            if time.monotonic() > deadline:
                raise ToolchainError(f"the order workflow's executions did not finish in {wait:.0f} s")
            time.sleep(0.2)
    raise ToolchainError("the platform did not settle: executions kept starting")


class Measurer:
    def __init__(self, emulator: Emulator, target: Target, http: Any, log: Callable[[str], None] = print,
                 clock: Callable[[], float] = time.time) -> None:  # fmt: skip
        self._emulator = emulator
        self._target = target
        self._http = http
        self._log = log
        self._clock = clock
        self._user: str | None = None

    def _output(self, entry: EntryPoint, key: str) -> str:
        name = str(entry.get(key))
        value = self._target.outputs.get(name)
        if not value:
            raise ToolchainError(f"entry point {entry.name!r}: the environment has no output {name!r}")
        return str(value)

    def _api(self, entry: EntryPoint, unique: str) -> bool:
        if not self._target.api_url:
            raise ToolchainError("the environment's API is not served on the emulator", "run `invoke up` first")
        path = str(entry.get("path")).replace("{n}", unique)
        if "{user}" in path:
            path = path.replace("{user}", self._a_user())
        # A token per request: its authorizer runs each time, as for callers that each call once within
        # its cache's TTL (the dearest case; a client reusing its token is authorised once per TTL).
        headers = {"Authorization": f"Bearer {self._target.token(f'cost-{unique}')}"} if entry.get("auth") else {}
        body = entry.get("body")
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = str(body).replace("{n}", unique).encode()
        reply = self._http.request(str(entry.get("method")), self._target.api_url.rstrip("/") + path,
                                   data=body, headers=headers, timeout=60)  # fmt: skip
        return bool(200 <= reply.status_code < 300)

    def _a_user(self) -> str:
        if self._user is None:
            probe = {"name": "Cost Probe", "email": f"cost+{uuid.uuid4().hex}@example.com"}
            auth = {"Authorization": "Bearer " + self._target.token("cost-probe")}
            url = f"{str(self._target.api_url).rstrip('/')}/users"
            reply = self._http.post(url, json=probe, headers=auth, timeout=60)
            if reply.status_code != 201:
                raise ToolchainError(f"could not create the user GET /users/{{user}} reads: {reply.status_code}")
            self._user = str(reply.json()["userId"])
            self._emulator.wait_idle(WAIT_SECONDS)
        return self._user

    def _slack(self, entry: EntryPoint, unique: str) -> bool:
        body = urlencode({"command": entry.get("command"), "text": entry.get("text"), "user_id": f"U{unique[-8:]}"})
        headers = slack_headers(str(self._target.slack_secret), body, self._clock())
        url = f"{str(self._target.api_url).rstrip('/')}/slack/commands"
        return bool(self._http.post(url, data=body, headers=headers, timeout=60).status_code == 200)

    def _upload(self, entry: EntryPoint, unique: str) -> bool:
        bucket = self._output(entry, "bucket_output")
        prefix = self._output(entry, "prefix_output") if entry.get("prefix_output") else str(entry.get("prefix", ""))
        if entry.get("rows"):
            key, body = f"{prefix}cost/{unique}.csv", sales_csv(int(entry.get("rows")), unique)
        else:
            size = int(entry.get("width", 1200)), int(entry.get("height", 900))
            key, body = f"{prefix}cost/{unique}.jpg", sample_jpeg(*size, orientation=1)
        self._target.client("s3").put_object(Bucket=bucket, Key=key, Body=body)
        return True

    def _record(self, entry: EntryPoint, unique: str) -> bool:
        data = str(entry.get("data")).replace("{n}", unique).encode()
        stream = self._output(entry, "stream_output")
        self._target.client("kinesis").put_record(StreamName=stream, Data=data, PartitionKey=unique)
        return True

    def _schedule(self, entry: EntryPoint, unique: str) -> bool:
        return bool(self._emulator.fire(self._output(entry, "rule_output")))

    def _settle(self) -> None:
        settle(self._emulator, self._target.client("stepfunctions"), self._target.outputs.get("order_workflow_arn"))

    def entry(self, entry: EntryPoint) -> EntryUsage:
        drive = {"api": self._api, "slack": self._slack, "upload": self._upload, "record": self._record,
                 "schedule": self._schedule}[entry.kind]  # fmt: skip
        if entry.kind == "api" and "{user}" in str(entry.get("path")):
            self._a_user()
        started = self._clock()
        before = readings(self._emulator.usage(started))
        failed = 0
        for n in range(entry.requests):
            try:
                ok = drive(entry, f"{uuid.uuid4().hex[:12]}{n}")
            except ToolchainError:
                raise
            except Exception as exc:  # a request that fails is counted, and the measurement goes on
                self._log(f"  {entry.name}: request {n + 1} failed: {exc}")
                ok = False
            failed += 0 if ok else 1
        self._settle()
        after = self._emulator.usage(started)
        added = by_logical_name(difference(readings(after), before), self._target.outputs)
        return EntryUsage(entry.requests, failed, scaled(added, 1 / entry.requests),
                          sorted(after.get("custom_metrics") or []))  # fmt: skip

    def profile(self, profile: Profile, environment: str, manifest: str, only: list[str] | None = None) -> Measured:
        found = {}
        self._settle()  # each entry point settles after itself; the first starts from a quiet platform
        for name, entry in profile.entry_points.items():
            if only and name not in only:
                continue
            started = time.monotonic()
            found[name] = self.entry(entry)
            failed = f", {found[name].failed} failed" if found[name].failed else ""
            plural = "" if entry.requests == 1 else "s"
            self._log(f"  {name}: {entry.requests} request{plural} in {time.monotonic() - started:.1f} s{failed}")
        stamp = datetime.fromtimestamp(self._clock(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        memory = {
            name: int(fn.get("memory_size") or 128)
            for name, fn in (self._target.outputs.get("functions") or {}).items()
        }
        return Measured(stamp, environment, manifest, str(profile.path.name), found, memory)
