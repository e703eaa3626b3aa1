"""Lambda's concurrency limits: a function's reserved concurrency, and the account's limit.

An invocation that would run beyond either is throttled, as on AWS: a synchronous caller gets
`TooManyRequestsException` (429), an asynchronous event waits and is tried again (throttles do not
use up its retries), a queue or stream poller backs off; the function's Throttles metric counts it.
The account limit is EMULATOR_ACCOUNT_CONCURRENCY (AWS's default, 1000, unless set).
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from typing import Any

ACCOUNT_LIMIT = int(os.environ.get("EMULATOR_ACCOUNT_CONCURRENCY", "1000"))


def function_wide(fn: Any) -> Any:
    """The function itself for a version moto resolved (an alias's, say): what Lambda keeps per function
    and not per version (reserved concurrency, asynchronous configuration) lives there in moto."""
    from moto.awslambda.utils import get_backend

    try:
        return get_backend(fn.account_id, fn.region).get_function(fn.function_name)
    except Exception:  # not a moto function (tests), or deleted meanwhile: what we have is all there is
        return fn


class ConcurrencyLimits:
    def __init__(self, account_limit: int = ACCOUNT_LIMIT) -> None:
        self.account_limit = account_limit
        self._running: Counter[str] = Counter()
        self._lock = threading.Lock()

    @staticmethod
    def _reserved(fn: Any) -> int | None:
        value = getattr(function_wide(fn), "reserved_concurrency", None)
        return None if value in (None, "") else int(value)

    def acquire(self, fn: Any) -> str | None:
        """None when the invocation may run (it then holds a slot); else why it is throttled."""
        name = fn.function_name
        reserved = self._reserved(fn)
        with self._lock:
            if reserved is not None and self._running[name] >= reserved:
                return "ReservedFunctionConcurrentInvocationLimitExceeded"
            if sum(self._running.values()) >= self.account_limit:
                return "ConcurrentInvocationLimitExceeded"
            self._running[name] += 1
        return None

    def release(self, fn: Any) -> None:
        with self._lock:
            self._running[fn.function_name] -= 1
            if self._running[fn.function_name] <= 0:
                del self._running[fn.function_name]

    def running(self, function_name: str) -> int:
        with self._lock:
            return self._running[function_name]
