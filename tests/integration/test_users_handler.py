"""The users API handler against moto's DynamoDB, with the table Terraform creates."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest

from lambdas.common import settings
from lambdas.services.users import handler as users
from lambdas.services.users.cursors import CursorCodec

CURSOR_KEY = "cursor-key-" + "x" * 40


@pytest.fixture
def table(moto_aws, monkeypatch: pytest.MonkeyPatch) -> str:
    boto3.client("dynamodb", region_name="us-east-1").create_table(
        TableName="users",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "entity", "listKey")],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "byEntity", "Projection": {"ProjectionType": "ALL"},
            "KeySchema": [{"AttributeName": "entity", "KeyType": "HASH"}, {"AttributeName": "listKey", "KeyType": "RANGE"}],
        }],
    )  # fmt: skip
    monkeypatch.setenv("USERS_TABLE", "users")
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "http://localhost:3000,https://app.example.com")
    key = boto3.client("secretsmanager", region_name="us-east-1").create_secret(Name="cursor", SecretString=CURSOR_KEY)
    monkeypatch.setenv("USERS_CURSOR_SECRET_ID", key["ARN"])
    settings.clear_cached()
    users._users.cache_clear()
    yield "users"
    settings.clear_cached()
    users._users.cache_clear()


def call(
    load_event, context, method: str, resource: str, path: str, body: Any = None, **extra: Any
) -> tuple[int, dict, Any]:
    event = load_event("apigateway-rest-proxy.json")
    event.update(httpMethod=method, resource=resource, path=path, pathParameters=extra.pop("params", None),
                 queryStringParameters=extra.pop("query", None),
                 body=body if isinstance(body, str) or body is None else json.dumps(body))  # fmt: skip
    event["headers"] = {**event["headers"], "Content-Type": "application/json", **extra.pop("headers", {})}
    event["requestContext"]["path"] = f"/local{path}"
    result = users.lambda_handler(event, context)
    return result["statusCode"], result["headers"], json.loads(result["body"]) if result["body"] else None


@pytest.mark.documents("services.md", "Routes and errors")
def test_the_crud_cycle(table: str, load_event, lambda_context) -> None:
    status, headers, created = call(
        load_event, lambda_context, "POST", "/users", "/users", {"name": "Ada", "email": "ada@example.com"}
    )
    assert status == 201
    assert headers["Location"] == f"/local/users/{created['userId']}"
    path = f"/users/{created['userId']}"
    params = {"userId": created["userId"]}
    assert call(load_event, lambda_context, "GET", "/users/{userId}", path, params=params)[2] == created
    status, _, updated = call(
        load_event, lambda_context, "PATCH", "/users/{userId}", path, {"email": "ada@lovelace.org"}, params=params
    )
    assert (status, updated["email"], updated["name"]) == (200, "ada@lovelace.org", "Ada")
    assert call(load_event, lambda_context, "DELETE", "/users/{userId}", path, params=params)[0] == 204
    status, _, body = call(load_event, lambda_context, "DELETE", "/users/{userId}", path, params=params)
    assert (status, body["error"]["code"]) == (404, "user_not_found")


@pytest.mark.documents("services.md", "Unique addresses and safe concurrent edits")
def test_email_uniqueness_holds_through_updates_and_deletes(table: str, load_event, lambda_context) -> None:
    _, _, ada = call(
        load_event, lambda_context, "POST", "/users", "/users", {"name": "Ada", "email": "ada@example.com"}
    )
    _, _, bob = call(
        load_event, lambda_context, "POST", "/users", "/users", {"name": "Bob", "email": "bob@example.com"}
    )
    status, _, body = call(
        load_event, lambda_context, "POST", "/users", "/users", {"name": "Eve", "email": "ADA@example.com"}
    )
    assert (status, body["error"]["code"]) == (409, "email_taken")
    bob_path, bob_params = f"/users/{bob['userId']}", {"userId": bob["userId"]}
    status, _, body = call(
        load_event,
        lambda_context,
        "PATCH",
        "/users/{userId}",
        bob_path,
        {"email": "Ada@Example.com"},
        params=bob_params,
    )
    # Not a retryable "changed meanwhile" conflict: the address is another user's.
    assert (status, body["error"]["code"]) == (409, "email_taken")
    # Ada moves to a new address: the old one is free again.
    ada_path, ada_params = f"/users/{ada['userId']}", {"userId": ada["userId"]}
    assert (
        call(
            load_event,
            lambda_context,
            "PATCH",
            "/users/{userId}",
            ada_path,
            {"email": "ada@new.org"},
            params=ada_params,
        )[0]
        == 200
    )
    assert (
        call(
            load_event,
            lambda_context,
            "PATCH",
            "/users/{userId}",
            bob_path,
            {"email": "ada@example.com"},
            params=bob_params,
        )[0]
        == 200
    )
    # Deleting a user frees its address.
    assert call(load_event, lambda_context, "DELETE", "/users/{userId}", bob_path, params=bob_params)[0] == 204
    assert (
        call(load_event, lambda_context, "POST", "/users", "/users", {"name": "Eve", "email": "ada@example.com"})[0]
        == 201
    )


@pytest.mark.documents("services.md", "Pages, with tokens that cannot be forged")
def test_listing_walks_pages_in_creation_order(table: str, load_event, lambda_context) -> None:
    for n in range(7):
        call(
            load_event, lambda_context, "POST", "/users", "/users", {"name": f"User {n}", "email": f"u{n}@example.com"}
        )
    names, token, pages = [], None, 0
    while True:
        query = {"limit": "3", **({"next": token} if token else {})}
        status, _, page = call(load_event, lambda_context, "GET", "/users", "/users", query=query)
        assert status == 200
        assert len(page["items"]) <= 3
        names += [u["name"] for u in page["items"]]
        pages += 1
        token = page.get("next")
        if not token:
            break
    assert names == [f"User {n}" for n in range(7)]
    assert pages >= 3


@pytest.mark.parametrize(
    ("method", "body", "status", "code"),
    [
        ("POST", "{not json", 400, "malformed_json"),
        ("POST", "[1, 2]", 400, "validation_failed"),
        ("POST", {"name": "A", "email": "a@b.co", "isAdmin": True}, 400, "validation_failed"),
        ("POST", None, 400, "malformed_json"),
        ("PUT", {"name": "A"}, 405, "method_not_allowed"),
    ],
)
@pytest.mark.documents("services.md", "Routes and errors")
def test_bad_requests_get_the_one_error_shape(table, load_event, lambda_context, method, body, status, code) -> None:
    got, _headers, answer = call(load_event, lambda_context, method, "/users", "/users", body)
    assert (got, answer["error"]["code"]) == (status, code)
    assert set(answer) == {"error"}


def test_validation_errors_name_the_fields(table, load_event, lambda_context) -> None:
    _, _, answer = call(load_event, lambda_context, "POST", "/users", "/users", {"name": "", "email": "nope"})
    assert answer["error"]["fields"] == {"name": "must be 1-200 characters", "email": "must be a valid email address"}


def test_a_bad_page_token_is_400(table, load_event, lambda_context) -> None:
    status, _, answer = call(load_event, lambda_context, "GET", "/users", "/users", query={"next": "bm90IGEgdG9rZW4"})
    assert (status, answer["error"]["fields"]) == (400, {"next": "is not a token this API issued"})


@pytest.mark.documents("services.md", "CORS")
def test_cors_answers_only_configured_origins(table, load_event, lambda_context) -> None:
    _, headers, _ = call(
        load_event, lambda_context, "OPTIONS", "/users", "/users", headers={"Origin": "https://app.example.com"}
    )
    assert headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    _, headers, _ = call(
        load_event, lambda_context, "GET", "/users", "/users", headers={"Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in headers


@pytest.mark.documents("services.md", "Routes and errors")
def test_an_unexpected_failure_is_a_500_that_leaks_nothing(table, load_event, lambda_context, monkeypatch) -> None:
    def broken(self, user_id):
        raise KeyError("internal detail: arn:aws:dynamodb:us-east-1:123456789012:table/users")

    monkeypatch.setattr(type(users._users()._repository), "get", broken)
    status, _, answer = call(
        load_event, lambda_context, "GET", "/users/{userId}", "/users/" + "a" * 32, params={"userId": "a" * 32}
    )
    assert status == 500
    assert "arn:aws" not in json.dumps(answer)


@pytest.mark.documents("services.md", "Routes and errors")
def test_a_missing_table_is_a_503(moto_aws, load_event, lambda_context, monkeypatch) -> None:
    monkeypatch.setenv("USERS_TABLE", "no-such-table")
    monkeypatch.setenv("USERS_CURSOR_SECRET_ID", "no-such-secret")
    settings.clear_cached()
    users._users.cache_clear()
    status, _, answer = call(load_event, lambda_context, "GET", "/users", "/users")
    assert (status, answer["error"]["code"]) == (503, "service_unavailable")
    assert "no-such-table" not in json.dumps(answer)
    users._users.cache_clear()
    settings.clear_cached()


@pytest.mark.parametrize("event", [{}, {"Records": []}, "text", {"httpMethod": 5, "resource": "/users"}])
def test_events_that_are_not_api_gateway_requests_are_400(table, lambda_context, event) -> None:
    assert users.lambda_handler(event, lambda_context)["statusCode"] == 400


def test_a_lone_surrogate_in_a_name_is_400_not_retry_later(table, load_event, lambda_context) -> None:
    # Found from outside: "\ud800" parsed into a str DynamoDB's client cannot encode: a 503 a client retries forever.
    status, _, body = call(load_event, lambda_context, "POST", "/users", "/users",
                           '{"name": "Ada \\ud800", "email": "ada@example.com"}')  # fmt: skip
    assert (status, body["error"]["code"]) == (400, "malformed_json")
    status, _, page = call(load_event, lambda_context, "GET", "/users", "/users")
    assert (status, page["items"]) == (200, [])


@pytest.mark.parametrize("payload", ["[" * 5000 + "]" * 5000, '{"pk":' * 3000 + '"x"' + "}" * 3000])
def test_a_crafted_deeply_nested_cursor_is_400(table, load_event, lambda_context, payload: str) -> None:
    token = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    status, _, body = call(load_event, lambda_context, "GET", "/users", "/users", query={"next": token})
    assert (status, body["error"]["code"]) == (400, "validation_failed")


@pytest.mark.documents("services.md", "Pages, with tokens that cannot be forged")
def test_a_well_shaped_forged_cursor_is_400_not_a_page(table, load_event, lambda_context) -> None:
    # GIVEN users, and a cursor of exactly the shape the API hands out, for a position it never handed out
    for n in range(4):
        call(load_event, lambda_context, "POST", "/users", "/users", {"name": f"U{n}", "email": f"u{n}@example.com"})
    issued = call(load_event, lambda_context, "GET", "/users", "/users", query={"limit": "1"})[2]["next"]
    # the codec's own shape, signed under a key the attacker guessed
    forged = CursorCodec(lambda: b"guessed key " * 4).encode({"entity": "user", "listKey": "~", "pk": "USER#x"})
    assert forged.count(".") == issued.count(".") == 2
    # WHEN it is sent THEN the answer is the documented 400, and the issued one still works
    status, _, body = call(load_event, lambda_context, "GET", "/users", "/users", query={"next": forged})
    assert (status, body["error"]["fields"]) == (400, {"next": "is not a token this API issued"})
    assert call(load_event, lambda_context, "GET", "/users", "/users", query={"next": issued})[0] == 200


@pytest.mark.documents("services.md", "Unique addresses and safe concurrent edits")
def test_of_two_concurrent_edits_the_second_is_409_and_the_first_is_kept(
    table: str, load_event, lambda_context, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a user, and an edit that read it before another edit was written (its read is held back)
    _, _, user = call(
        load_event, lambda_context, "POST", "/users", "/users", {"name": "Ada", "email": "ada@example.com"}
    )
    path, params = f"/users/{user['userId']}", {"userId": user["userId"]}
    repository = users._users()._repository
    read_before = repository.get(user["userId"])
    status, _, first = call(load_event, lambda_context, "PATCH", "/users/{userId}", path, {"name": "Ada Lovelace"},
                            params=params)  # fmt: skip
    assert status == 200
    # WHEN the edit that read earlier writes (its own name, then its own address)
    monkeypatch.setattr(repository, "get", lambda user_id: read_before)
    for change in ({"name": "Countess"}, {"email": "countess@example.com"}):
        status, _, body = call(load_event, lambda_context, "PATCH", "/users/{userId}", path, change, params=params)
        # THEN it is refused as a conflict, never a lost update
        assert (status, body["error"]["code"]) == (409, "conflict"), body
    monkeypatch.undo()
    _, _, now = call(load_event, lambda_context, "GET", "/users/{userId}", path, params=params)
    assert (now["name"], now["email"], now["updatedAt"]) == ("Ada Lovelace", "ada@example.com", first["updatedAt"])
    # AND the address the refused edit wanted is still free: a new user can claim it
    status, _, _ = call(load_event, lambda_context, "POST", "/users", "/users",
                        {"name": "C", "email": "countess@example.com"})  # fmt: skip
    assert status == 201
