"""AWS clients, created lazily and once per container (the Lambda execution environment).

Endpoints come from the standard `AWS_ENDPOINT_URL` variables, so the same code talks to AWS or
to the embedded emulator. Timeouts are explicit: a hung connection must fail well inside the
function's own timeout rather than consume it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from lambdas.common.exceptions import DependencyError, PlatformError

CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 3


@cache
def client(service: str, *, interactive: bool = False) -> Any:
    """`interactive` clients serve a person waiting (a Slack reply): one attempt, one-second timeouts."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=1 if interactive else CONNECT_TIMEOUT_SECONDS,
        read_timeout=1 if interactive else READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "max_attempts": 1 if interactive else MAX_ATTEMPTS},
    )
    return boto3.session.Session().client(service, config=config)


def error_code(error: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError, without importing botocore here."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code")
    return None


@contextmanager
def dependency(
    what: str,
    *,
    answers: dict[str, Callable[[], Exception]] | None = None,
    failure: Callable[[str], Exception] = DependencyError,
) -> Iterator[None]:
    """AWS failures inside the block as the platform names them: a `DependencyError` (retrying may help)
    saying `what` failed and AWS's error code, or, for the codes in `answers`, that exception instead
    (an object that is gone is the caller's answer, not an outage). Platform errors pass unchanged."""
    try:
        yield
    except PlatformError:
        raise
    except Exception as exc:
        code = error_code(exc)
        if answers and code in answers:
            raise answers[code]() from None
        raise failure(f"{what} failed: {code or f'{type(exc).__name__}: {exc}'}") from exc
