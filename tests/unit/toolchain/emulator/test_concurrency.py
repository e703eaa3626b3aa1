"""Lambda's concurrency limits as the emulator keeps them (awslambda/concurrency.py): a function's
reserved concurrency and the account's limit, each reached exactly at its number."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from toolchain.emulator.awslambda.concurrency import ConcurrencyLimits


def function(name: str, reserved: int | None = None) -> SimpleNamespace:
    return SimpleNamespace(function_name=name, reserved_concurrency=reserved)


@pytest.mark.documents("emulator.md", "The account's concurrency is a limit")
def test_the_account_limit_counts_every_functions_running_invocations() -> None:
    limits = ConcurrencyLimits(account_limit=3)
    orders, users = function("orders"), function("users")
    assert [limits.acquire(orders), limits.acquire(users), limits.acquire(orders)] == [None, None, None]
    # the fourth, of either function, is over the account's three
    assert limits.acquire(users) == "ConcurrentInvocationLimitExceeded"
    assert limits.acquire(orders) == "ConcurrentInvocationLimitExceeded"
    limits.release(users)
    assert limits.acquire(orders) is None
    assert (limits.running("orders"), limits.running("users")) == (3, 0)


@pytest.mark.documents("emulator.md", "Reserved concurrency is a limit")
def test_reserved_concurrency_throttles_at_its_number_and_frees_a_slot_on_release() -> None:
    limits = ConcurrencyLimits(account_limit=1000)
    users = function("users", reserved=2)
    assert [limits.acquire(users), limits.acquire(users)] == [None, None]
    assert limits.acquire(users) == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert limits.acquire(function("orders")) is None  # another function is not held back by it
    limits.release(users)
    assert limits.acquire(users) is None


@pytest.mark.documents("emulator.md", "Reserved concurrency is a limit")
def test_reserved_concurrency_of_zero_stops_every_invocation_and_none_means_unreserved() -> None:
    limits = ConcurrencyLimits(account_limit=2)
    assert limits.acquire(function("paused", reserved=0)) == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert limits.acquire(function("free", reserved=None)) is None
    assert limits.running("paused") == 0
