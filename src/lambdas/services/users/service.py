"""User use cases over a repository; pagination cursors are opaque to clients."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from lambdas.common.exceptions import RejectedInput, ValidationFailed
from lambdas.common.identifiers import Shape
from lambdas.services.users.cursors import CursorCodec
from lambdas.services.users.model import User, UserNotFound, validate

DEFAULT_PAGE = 20
MAX_PAGE = 100
USER_ID = Shape(r"[0-9a-f]{32}", "32 lowercase hexadecimal digits")


class UserRepository(Protocol):
    def create(self, user: User) -> None:
        """Store a new user; EmailTaken if another user has the address."""
        ...

    def get(self, user_id: str) -> User | None: ...

    def page(self, limit: int, cursor: dict[str, str] | None) -> tuple[list[User], dict[str, str] | None]:
        """Up to `limit` users in creation order from `cursor`, and the cursor of the next page."""
        ...

    def update(self, current: User, updated: User) -> None:
        """Replace `current` with `updated`; UserNotFound if gone, EmailTaken, Conflict if changed meanwhile."""
        ...

    def delete(self, user: User) -> None: ...

    def check_cursor(self, cursor: Any) -> dict[str, str]:
        """The cursor if it is one this repository produced; ValueError otherwise."""
        ...


@dataclass(frozen=True)
class Page:
    users: list[User]
    next_token: str | None


def _bad_token() -> ValidationFailed:
    return ValidationFailed("invalid pagination token", details={"fields": {"next": "is not a token this API issued"}})


def _now() -> str:
    return _stamp(datetime.now(UTC))


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _after(previous: str, now: str) -> str:
    """`now`, or a millisecond after `previous` when the clock has not moved past it: the write is
    conditional on the `updatedAt` it read, so two edits in one millisecond must not share one."""
    if now > previous:
        return now
    return _stamp(datetime.fromisoformat(previous.replace("Z", "+00:00")) + timedelta(milliseconds=1))


class Users:
    def __init__(
        self,
        repository: UserRepository,
        cursors: CursorCodec,
        *,
        clock: Callable[[], str] = _now,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._repository = repository
        self._cursors = cursors
        self._clock = clock
        self._new_id = new_id

    def create(self, body: Any) -> User:
        values = validate(body, partial=False)
        now = self._clock()
        user = User(self._new_id(), values["name"], values["email"], now, now)
        self._repository.create(user)
        return user

    def get(self, user_id: str) -> User:
        # A malformed id names no user: the same 404 as a missing one, no database round trip.
        user = self._repository.get(user_id) if USER_ID.holds(user_id) else None
        if user is None:
            raise UserNotFound(f"no user {user_id[:64]!r}")
        return user

    def list(self, limit: str | None, token: str | None) -> Page:
        size = DEFAULT_PAGE
        if limit is not None:
            if not (limit.isascii() and limit.isdigit()) or not 1 <= int(limit) <= MAX_PAGE:
                raise ValidationFailed("invalid limit", details={"fields": {"limit": f"must be 1-{MAX_PAGE}"}})
            size = int(limit)
        cursor = self._cursor(token) if token else None
        users, next_cursor = self._repository.page(size, cursor)
        return Page(users, self._cursors.encode(next_cursor) if next_cursor else None)

    def _cursor(self, token: str) -> dict[str, str]:
        try:
            return self._repository.check_cursor(self._cursors.decode(token))
        except (ValueError, RejectedInput):
            raise _bad_token() from None

    def update(self, user_id: str, body: Any) -> User:
        values = validate(body, partial=True)
        current = self.get(user_id)
        updated = User(
            current.user_id,
            values.get("name", current.name),
            values.get("email", current.email),
            current.created_at,
            _after(current.updated_at, self._clock()),
        )
        self._repository.update(current, updated)
        return updated

    def delete(self, user_id: str) -> None:
        self._repository.delete(self.get(user_id))
