"""DynamoDB requests on different tables run side by side; on one table, and around a change of
the catalogue, they take turns (the emulator's DynamoDB used to run every request behind one lock,
so a read of one table queued behind a transaction on another)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from toolchain.emulator.dynamodb.corrections import TableLocks, tables_named

# Only a failing run waits this long: each wait below ends on an event.
STUCK = 30.0
# How long a request that must wait is watched for entering anyway (a wrong pass, never a flake).
OBSERVED = 0.3


def _hold(locks: TableLocks, tables: list[str] | None, entered: threading.Event, leave: threading.Event) -> None:
    with locks.holding(tables):
        entered.set()
        assert leave.wait(STUCK)


def _start(target: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def locks() -> TableLocks:
    return TableLocks()


@pytest.mark.documents("emulator.md", "Each DynamoDB request is a unit")
def test_a_request_on_another_table_does_not_wait(locks: TableLocks) -> None:
    # GIVEN a long request holding table "orders"
    entered, leave = threading.Event(), threading.Event()
    holder = _start(lambda: _hold(locks, ["orders"], entered, leave))
    assert entered.wait(STUCK)
    # WHEN a read of "users" comes in, THEN it runs now
    other_entered, other_leave = threading.Event(), threading.Event()
    reader = _start(lambda: _hold(locks, ["users"], other_entered, other_leave))
    assert other_entered.wait(STUCK)
    other_leave.set()
    leave.set()
    for thread in (holder, reader):
        thread.join(STUCK)


@pytest.mark.documents("emulator.md", "Each DynamoDB request is a unit")
def test_requests_on_one_table_take_turns(locks: TableLocks) -> None:
    entered, leave = threading.Event(), threading.Event()
    holder = _start(lambda: _hold(locks, ["users", "orders"], entered, leave))
    assert entered.wait(STUCK)
    second_entered, second_leave = threading.Event(), threading.Event()
    second = _start(lambda: _hold(locks, ["users"], second_entered, second_leave))
    assert not second_entered.wait(OBSERVED)  # "users" is held
    leave.set()
    assert second_entered.wait(STUCK)  # and is free once the first request ends
    second_leave.set()
    for thread in (holder, second):
        thread.join(STUCK)


@pytest.mark.documents("emulator.md", "Each DynamoDB request is a unit")
def test_a_catalogue_change_runs_alone(locks: TableLocks) -> None:
    # GIVEN a request on a table
    entered, leave = threading.Event(), threading.Event()
    holder = _start(lambda: _hold(locks, ["users"], entered, leave))
    assert entered.wait(STUCK)
    # WHEN a CreateTable comes in, THEN it waits for that request
    create_entered, create_leave = threading.Event(), threading.Event()
    create = _start(lambda: _hold(locks, None, create_entered, create_leave))
    assert not create_entered.wait(OBSERVED)
    # AND a request on another table that arrives meanwhile waits behind the CreateTable
    late_entered, late_leave = threading.Event(), threading.Event()
    late = _start(lambda: _hold(locks, ["orders"], late_entered, late_leave))
    assert not late_entered.wait(OBSERVED)
    leave.set()
    assert create_entered.wait(STUCK)
    assert not late_entered.is_set()
    create_leave.set()
    assert late_entered.wait(STUCK)
    late_leave.set()
    for thread in (holder, create, late):
        thread.join(STUCK)


@pytest.mark.parametrize(
    ("action", "params", "expected"),
    [
        ("GetItem", {"TableName": "users", "Key": {}}, ["users"]),
        ("BatchWriteItem", {"RequestItems": {"orders": [], "users": []}}, ["orders", "users"]),
        ("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": "users"}},
                                                  {"ConditionCheck": {"TableName": "audit"}}]}, ["audit", "users"]),
        ("CreateTable", {"TableName": "users"}, None),  # changes the catalogue: alone
        ("ExecuteStatement", {"Statement": "SELECT * FROM users"}, None),  # tables named in SQL: alone
        ("GetItem", {}, None),  # malformed: moto refuses it, alone
        ("Query", ["not", "a", "dict"], None),
    ],
)  # fmt: skip
def test_each_request_names_the_tables_it_holds(action: str, params: object, expected: list[str] | None) -> None:
    assert tables_named(action, params) == expected
