"""EventBridge schedules fired by the emulator (moto stores rules but never fires them).

Every ENABLED rule with a `cron(...)` or `rate(...)` expression is fired at its times while the
emulator runs; each Lambda target is invoked asynchronously, as EventBridge does, with the rule's
`Input` or the standard "Scheduled Event". `fire` triggers a rule once, now.

Cron follows EventBridge's six fields (minutes hours day-of-month month day-of-week year, UTC),
with `*`, `?`, lists, ranges, steps, month and day names, `L` (last day of the month) and `#`
(nth weekday); day-of-week counts SUN=1..SAT=7.
"""

from __future__ import annotations

import calendar
import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from toolchain.emulator.awslambda.routing import invoked
from toolchain.emulator.events.metrics import rule_invocation
from toolchain.emulator.iam.enforcement import ENFORCED
from toolchain.emulator.iam.resource_policies import Invoker, delivery_allowed

MONTHS = {
    m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)
}
DAYS = {d: i for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), 1)}
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


class InvalidSchedule(ValueError):
    pass


def _values(field: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    result: set[int] = set()
    for part in field.split(","):
        part_upper = part.upper()
        for name, number in (names or {}).items():
            part_upper = part_upper.replace(name, str(number))
        base, _, step_text = part_upper.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise InvalidSchedule(f"step {step_text} in {field!r}")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            start, end = (int(x) for x in base.split("-", 1))
        else:
            start = int(base)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high):
            raise InvalidSchedule(f"{field!r} is outside {low}-{high}")
        result.update(range(start, end + 1, step))
    return result


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: str
    months: frozenset[int]
    weekdays: str
    years: frozenset[int]

    @classmethod
    def parse(cls, body: str) -> Cron:
        fields = body.split()
        if len(fields) != 6:
            raise InvalidSchedule(f"cron needs 6 fields, got {len(fields)}: {body!r}")
        minutes, hours, days, months, weekdays, years = fields
        if (days == "?") == (weekdays == "?"):
            raise InvalidSchedule("exactly one of day-of-month and day-of-week must be '?'")
        try:
            cron = cls(
                frozenset(_values(minutes, 0, 59)),
                frozenset(_values(hours, 0, 23)),
                days.upper(),
                frozenset(_values(months, 1, 12, MONTHS)),
                weekdays.upper(),
                frozenset(_values(years, 1970, 2199)),
            )
            cron._day_matches(datetime(2026, 1, 1, tzinfo=UTC))  # validates the day fields now
        except ValueError as exc:
            raise InvalidSchedule(f"{body!r}: {exc}") from None
        return cron

    def _day_matches(self, day: datetime) -> bool:
        if self.days != "?":
            if self.days == "L":
                return day.day == calendar.monthrange(day.year, day.month)[1]
            return day.day in _values(self.days, 1, 31)
        weekday = (day.isoweekday() % 7) + 1  # SUN=1 .. SAT=7
        spec = self.weekdays
        for name, number in DAYS.items():
            spec = spec.replace(name, str(number))
        if "#" in spec:
            wanted, nth = (int(x) for x in spec.split("#", 1))
            return weekday == wanted and (day.day - 1) // 7 + 1 == nth
        if spec.endswith("L"):
            wanted = int(spec[:-1] or 7)
            return weekday == wanted and day.day + 7 > calendar.monthrange(day.year, day.month)[1]
        return weekday in _values(spec, 1, 7)

    def next_after(self, moment: datetime) -> datetime | None:
        start = (moment + timedelta(minutes=1)).replace(second=0, microsecond=0)
        day = start.replace(hour=0, minute=0)
        for _ in range(366 * 5):
            if day.year in self.years and day.month in self.months and self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate >= start:
                            return candidate
            day += timedelta(days=1)
        return None


def next_fire(expression: str, moment: datetime, anchor: datetime) -> datetime | None:
    """When `expression` next fires after `moment`; rates count from `anchor` (when the rule appeared)."""
    rate = _RATE.match(expression.strip())
    if rate:
        value, unit = int(rate.group(1)), rate.group(2).rstrip("s")
        if value < 1:
            raise InvalidSchedule(f"{expression!r}: the rate must be at least 1")
        period = timedelta(seconds=value * _UNIT_SECONDS[unit])
        periods = int((moment - anchor) / period) + 1
        return anchor + periods * period
    cron = _CRON.match(expression.strip())
    if cron:
        return Cron.parse(cron.group(1)).next_after(moment)
    raise InvalidSchedule(f"{expression!r} is neither cron(...) nor rate(...)")


def scheduled_event(rule: Any, moment: datetime) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": rule.account_id,
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": rule.region_name,
        "resources": [rule.arn],
        "detail": {},
    }


class Scheduler:
    def __init__(self, submit: Callable[[Any, str, str], None], log: Callable[[str], None] = print) -> None:
        self._submit = submit
        self._log = log
        self._next: dict[str, datetime | None] = {}
        self._anchor: dict[str, datetime] = {}
        self._last: dict[str, str] = {}
        self._errors: dict[str, str] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _rules() -> list[Any]:
        from moto.events.models import events_backends

        found = []
        for _account, regions in list(events_backends.items()):
            for _region, backend in list(regions.items()):
                for bus in list(backend.event_buses.values()):
                    found += [r for r in list(bus.rules.values()) if r.scheduled_expression]
        return found

    def tick(self, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        with self._lock:
            for rule in self._rules():
                key = rule.arn
                if rule.state != "ENABLED":
                    self._next.pop(key, None)
                    continue
                try:
                    if key not in self._next:
                        self._anchor[key] = now
                        self._next[key] = next_fire(rule.scheduled_expression, now, now)
                    due = self._next[key]
                    if due is not None and now >= due:
                        self._fire(rule, due)
                        self._next[key] = next_fire(rule.scheduled_expression, now, self._anchor[key])
                except InvalidSchedule as exc:
                    if self._errors.get(key) != str(exc):
                        self._log(f"rule {rule.name}: {exc}; it will not fire")
                    self._errors[key] = str(exc)
                    self._next[key] = None

    def _fire(self, rule: Any, moment: datetime) -> list[str]:
        from moto.awslambda.utils import get_backend

        fired = []
        for target in rule.targets:
            arn = target.get("Arn", "")
            if ":lambda:" not in arn:
                self._log(
                    f"rule {rule.name}: target {arn} is not a Lambda function; the emulator fires Lambda targets only"
                )
                continue
            _, _, _, region, account, _ = arn.split(":", 5)
            allowed = delivery_allowed(arn, Invoker("events.amazonaws.com", rule.arn, account), self._log, ENFORCED)
            rule_invocation(rule.arn, delivered=allowed)
            if not allowed:
                continue
            function = invoked(get_backend(account, region), arn)
            event = target.get("Input") or json.dumps(scheduled_event(rule, moment))
            self._submit(function, event, "aws:events")
            fired.append(arn)
        self._last[rule.arn] = moment.isoformat()
        return fired

    def durable_state(self) -> dict[str, Any]:
        """Each rule's next and last firing: a schedule that came due while the emulator was down fires
        once when it is back, as a missed cron would, not once per missed period."""
        with self._lock:
            return {
                "next": {k: v.isoformat() if v else None for k, v in sorted(self._next.items())},
                "anchor": {k: v.isoformat() for k, v in sorted(self._anchor.items())},
                "last": dict(sorted(self._last.items())),
            }

    def restore_state(self, state: dict[str, Any]) -> None:
        with self._lock:
            self._next = {k: datetime.fromisoformat(v) if v else None for k, v in state["next"].items()}
            self._anchor = {k: datetime.fromisoformat(v) for k, v in state["anchor"].items()}
            self._last = dict(state["last"])

    def fire(self, name_or_arn: str) -> list[str]:
        with self._lock:
            for rule in self._rules():
                if name_or_arn in (rule.name, rule.arn):
                    return self._fire(rule, datetime.now(UTC))
        raise KeyError(name_or_arn)

    def describe(self) -> list[dict[str, Any]]:
        self.tick()
        described = []
        with self._lock:
            for rule in self._rules():
                due = self._next.get(rule.arn)
                described.append(
                    {
                        "name": rule.name,
                        "arn": rule.arn,
                        "schedule": rule.scheduled_expression,
                        "state": rule.state,
                        "next": due.isoformat() if due else None,
                        "last": self._last.get(rule.arn),
                        "error": self._errors.get(rule.arn),
                        "targets": [t.get("Arn") for t in rule.targets],
                    }
                )
        return described
