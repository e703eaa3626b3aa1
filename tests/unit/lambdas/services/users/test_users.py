"""User validation and use cases; the DynamoDB repository is tested against moto."""

from __future__ import annotations

import pytest

from lambdas.common.exceptions import ValidationFailed
from lambdas.services.users.cursors import CursorCodec
from lambdas.services.users.model import NAME_MAX, User, UserNotFound, email_key, validate
from lambdas.services.users.service import Users

KEY = b"pagination-test-key-0123456789abcdef"


def fields(error: ValidationFailed) -> dict:
    return error.details["fields"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"name": "", "email": "a@b.co"}, {"name": f"must be 1-{NAME_MAX} characters"}),
        ({"name": "x" * (NAME_MAX + 1), "email": "a@b.co"}, {"name": f"must be 1-{NAME_MAX} characters"}),
        ({"name": 5, "email": "a@b.co"}, {"name": "must be a string"}),
        ({"name": "Ada", "email": "not-an-email"}, {"email": "must be a valid email address"}),
        ({"name": "Ada", "email": "a@b"}, {"email": "must be a valid email address"}),
        ({"name": "Ada"}, {"email": "is required"}),
        ({"name": "Ada", "email": "a@b.co", "admin": True}, {"admin": "unknown field"}),
    ],
)
def test_create_bodies_are_validated_naming_each_field(body: dict, expected: dict) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate(body, partial=False)
    assert fields(caught.value) == expected


def test_names_are_trimmed_and_unicode_counts_characters() -> None:
    assert validate({"name": "  Zoë  ", "email": "zoe@example.org"}, partial=False) == {
        "name": "Zoë", "email": "zoe@example.org"
    }  # fmt: skip
    assert validate({"name": "ü" * NAME_MAX, "email": "u@x.io"}, partial=False)["name"] == "ü" * NAME_MAX


@pytest.mark.parametrize("body", [{}, [], "x", None])
def test_patch_needs_an_object_with_a_field(body) -> None:
    with pytest.raises(ValidationFailed):
        validate(body, partial=True)


def test_emails_are_unique_regardless_of_case() -> None:
    assert email_key("Ada@Example.COM") == email_key("ada@example.com")


class MemoryRepository:
    def __init__(self) -> None:
        self.users: dict[str, User] = {}

    def create(self, user: User) -> None:
        self.users[user.user_id] = user

    def get(self, user_id: str) -> User | None:
        return self.users.get(user_id)

    def page(self, limit, cursor):
        ordered = sorted(self.users.values(), key=lambda u: u.user_id)
        start = int(cursor["pk"]) if cursor else 0
        chunk = ordered[start : start + limit]
        more = start + limit < len(ordered)
        return chunk, ({"pk": str(start + limit), "entity": "user", "listKey": "k"} if more else None)

    def update(self, current: User, updated: User) -> None:
        self.users[updated.user_id] = updated

    def delete(self, user: User) -> None:
        del self.users[user.user_id]

    def check_cursor(self, cursor):
        if not isinstance(cursor, dict) or set(cursor) != {"pk", "entity", "listKey"}:
            raise ValueError("bad")
        return cursor


def service(key: bytes = KEY, repository: MemoryRepository | None = None) -> Users:
    ids = iter(f"{n:032x}" for n in range(1, 100))
    return Users(repository or MemoryRepository(), CursorCodec(lambda: key), clock=lambda: "2026-01-01T00:00:00.000Z",
                 new_id=lambda: next(ids))  # fmt: skip


def test_listing_pages_with_opaque_tokens() -> None:
    users = service()
    for n in range(5):
        users.create({"name": f"U{n}", "email": f"u{n}@example.com"})
    seen, token = [], None
    while True:
        page = users.list("2", token)
        seen += [u.name for u in page.users]
        token = page.next_token
        if token is None:
            break
        assert "{" not in token  # opaque: no raw JSON
    assert seen == ["U0", "U1", "U2", "U3", "U4"]


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten", "1.5"])
def test_bad_limits_are_validation_errors(limit: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        service().list(limit, None)
    assert "limit" in fields(caught.value)


def _issued_token() -> tuple[Users, str]:
    users = service()
    for n in range(3):
        users.create({"name": f"U{n}", "email": f"u{n}@example.com"})
    token = users.list("1", None).next_token
    assert token is not None
    return users, token


def _forgeries(token: str) -> dict[str, str]:
    import base64
    import json

    version, payload, mac = token.split(".")
    position = {"entity": "user", "listKey": "k", "pk": "2"}
    well_formed = base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")
    return {
        "garbage": "garbage!",
        "percent signs": "%%%",
        "the old unsigned shape": well_formed,
        "a well-shaped position with the MAC of another": f"{version}.{well_formed}.{mac}",
        "signed with another key": CursorCodec(lambda: b"another key, 32 bytes or longer!").encode(position),
        "MAC cut short": f"{version}.{payload}.{mac[:-4]}",
        "MAC missing": f"{version}.{payload}.",
        "another version": f"v2.{payload}.{mac}",
        "one MAC character changed": f"{version}.{payload}.{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}",
        "non-ASCII in the MAC": f"{version}.{payload}.{mac[:-1]}\u00e9",
        "4 KB": "v1." + "A" * 4096 + ".x",
    }


@pytest.mark.documents("services.md", "Pages, with tokens that cannot be forged")
@pytest.mark.parametrize("name", sorted(_forgeries("v1.e30.AAAA")))
def test_forged_and_foreign_tokens_are_validation_errors(name: str) -> None:
    # GIVEN tokens that are not exactly what this API, with this key, handed out
    users, token = _issued_token()
    forged = _forgeries(token)[name]
    # WHEN a page is asked for with one, THEN the answer is the 400 the docs promise, not a position
    with pytest.raises(ValidationFailed) as caught:
        users.list("1", forged)
    assert fields(caught.value) == {"next": "is not a token this API issued"}


@pytest.mark.documents("services.md", "Pages, with tokens that cannot be forged")
def test_an_issued_token_is_accepted_until_the_key_changes() -> None:
    users, token = _issued_token()
    assert [u.name for u in users.list("1", token).users] == ["U1"]
    rotated = service(key=b"a rotated key of 32 bytes or more", repository=users._repository)
    with pytest.raises(ValidationFailed):
        rotated.list("1", token)


def test_malformed_and_missing_ids_are_404() -> None:
    users = service()
    for user_id in ("nope", "../../etc", "0" * 32):
        with pytest.raises(UserNotFound):
            users.get(user_id)


def test_update_keeps_what_is_not_sent() -> None:
    users = service()
    created = users.create({"name": "Ada", "email": "ada@example.com"})
    updated = users.update(created.user_id, {"name": "Ada Lovelace"})
    assert (updated.name, updated.email, updated.created_at) == ("Ada Lovelace", "ada@example.com", created.created_at)


@pytest.mark.documents("services.md", "Unique addresses and safe concurrent edits")
def test_an_edit_in_the_same_millisecond_as_the_last_still_changes_updated_at() -> None:
    from lambdas.services.users.service import _after

    assert _after("2026-12-06T10:00:00.000Z", "2026-12-06T10:00:00.005Z") == "2026-12-06T10:00:00.005Z"
    assert _after("2026-12-06T10:00:00.005Z", "2026-12-06T10:00:00.005Z") == "2026-12-06T10:00:00.006Z"
    # a clock behind the stored stamp (another machine's) never goes back either
    assert _after("2026-12-06T23:59:59.999Z", "2026-12-06T23:59:59.000Z") == "2026-12-07T00:00:00.000Z"


class CancellingClient:
    """DynamoDB cancelling every transaction for the reasons given, as botocore reports it."""

    def __init__(self, *codes: str) -> None:
        self.codes = codes

    def transact_write_items(self, **_: object) -> None:
        from botocore.exceptions import ClientError

        raise ClientError({"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                           "CancellationReasons": [{"Code": code} for code in self.codes]}, "TransactWriteItems")  # fmt: skip


@pytest.mark.documents("services.md", "Unique addresses and safe concurrent edits")
def test_a_transaction_cancelled_for_a_conflicting_one_is_a_409_conflict() -> None:
    from lambdas.common.exceptions import Conflict, DependencyError, http_status
    from lambdas.services.users.repository import DynamoUserRepository

    user = User("u1", "Ada", "ada@example.com", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z")
    renamed = User("u1", "Ada L", "ada@example.com", user.created_at, "2026-01-01T00:00:01.000Z")
    with pytest.raises(Conflict, match="changed by another request") as conflict:
        DynamoUserRepository("users", CancellingClient("TransactionConflict")).update(user, renamed)
    assert http_status(conflict.value) == 409
    # a stale read of the user itself is the same 409; any other cancellation is DynamoDB failing
    with pytest.raises(Conflict):
        DynamoUserRepository("users", CancellingClient("ConditionalCheckFailed")).update(user, renamed)
    with pytest.raises(DependencyError):
        DynamoUserRepository("users", CancellingClient("ThrottlingError")).update(user, renamed)
