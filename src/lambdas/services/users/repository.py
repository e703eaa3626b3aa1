"""DynamoDB storage for users: one table, two kinds of item, written together in transactions.

    pk = USER#<id>      the user; entity = "user", listKey = <createdAt>#<id> feed the `byEntity` index
    pk = EMAIL#<email>  the claim on an address (lower-cased), pointing at its user

A user and its email claim are created, re-pointed and deleted in one transaction, so two users
can never hold one address. Listing queries the index page by page; nothing is ever scanned.
"""

from __future__ import annotations

from typing import Any

from lambdas.common import aws
from lambdas.common.exceptions import Conflict, DependencyError
from lambdas.services.users.model import EmailTaken, User, UserNotFound, email_key

INDEX = "byEntity"
ENTITY = "user"
_CURSOR_KEYS = {"pk", "entity", "listKey"}


def _user_key(user_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"USER#{user_id}"}}


def _email_key(email: str) -> dict[str, Any]:
    return {"pk": {"S": f"EMAIL#{email_key(email)}"}}


def _item(user: User) -> dict[str, Any]:
    return {
        **_user_key(user.user_id),
        "entity": {"S": ENTITY},
        "listKey": {"S": f"{user.created_at}#{user.user_id}"},
        "userId": {"S": user.user_id},
        "name": {"S": user.name},
        "email": {"S": user.email},
        "createdAt": {"S": user.created_at},
        "updatedAt": {"S": user.updated_at},
    }


def _user(item: dict[str, Any]) -> User:
    return User(
        item["userId"]["S"], item["name"]["S"], item["email"]["S"], item["createdAt"]["S"], item["updatedAt"]["S"]
    )


def _cancellation_codes(error: Exception) -> list[str]:
    response = getattr(error, "response", {}) or {}
    return [reason.get("Code", "") for reason in response.get("CancellationReasons", [])]


def _condition(expression: str, values: dict[str, str] | None) -> dict[str, Any]:
    condition: dict[str, Any] = {"ConditionExpression": expression}
    if values:
        condition["ExpressionAttributeValues"] = {k: {"S": v} for k, v in values.items()}
    return condition


def _put(table: str, item: dict[str, Any], expression: str, values: dict[str, str] | None = None) -> dict[str, Any]:
    return {"Put": {"TableName": table, "Item": item, **_condition(expression, values)}}


def _delete(table: str, key: dict[str, Any], expression: str, values: dict[str, str] | None = None) -> dict[str, Any]:
    return {"Delete": {"TableName": table, "Key": key, **_condition(expression, values)}}


def _claim(user: User) -> dict[str, Any]:
    return {**_email_key(user.email), "userId": {"S": user.user_id}}


class DynamoUserRepository:
    def __init__(self, table: str, client: Any = None) -> None:
        self._table = table
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws.client("dynamodb")
        return self._client

    def _transact(self, items: list[dict[str, Any]], on_conflict: dict[int, Exception]) -> None:
        try:
            self.client.transact_write_items(TransactItems=items)
        except Exception as exc:
            if aws.error_code(exc) != "TransactionCanceledException":
                raise DependencyError(f"DynamoDB transaction failed: {aws.error_code(exc) or exc}") from exc
            codes = _cancellation_codes(exc)
            for index, code in enumerate(codes):
                if code == "ConditionalCheckFailed" and index in on_conflict:
                    raise on_conflict[index] from None
            if "TransactionConflict" in codes:
                raise Conflict("the user was changed by another request; retry") from None
            raise DependencyError(f"DynamoDB cancelled the transaction: {codes}") from exc

    def create(self, user: User) -> None:
        self._transact(
            [
                _put(self._table, _item(user), "attribute_not_exists(pk)"),
                _put(self._table, _claim(user), "attribute_not_exists(pk)"),
            ],
            {1: EmailTaken(f"another user has the email {user.email}"), 0: Conflict("user id collision; retry")},
        )

    def get(self, user_id: str) -> User | None:
        with aws.dependency("DynamoDB GetItem"):
            found = self.client.get_item(TableName=self._table, Key=_user_key(user_id), ConsistentRead=True)
        return _user(found["Item"]) if "Item" in found else None

    def page(self, limit: int, cursor: dict[str, str] | None) -> tuple[list[User], dict[str, str] | None]:
        params: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": INDEX,
            "KeyConditionExpression": "entity = :user",
            "ExpressionAttributeValues": {":user": {"S": ENTITY}},
            "Limit": limit,
        }
        if cursor:
            params["ExclusiveStartKey"] = {k: {"S": v} for k, v in cursor.items()}
        with aws.dependency("DynamoDB Query"):
            result = self.client.query(**params)
        last = result.get("LastEvaluatedKey")
        return [_user(i) for i in result.get("Items", [])], ({k: v["S"] for k, v in last.items()} if last else None)

    def check_cursor(self, cursor: Any) -> dict[str, str]:
        if (
            not isinstance(cursor, dict)
            or set(cursor) != _CURSOR_KEYS
            or not all(isinstance(v, str) and 0 < len(v) <= 300 for v in cursor.values())
            or cursor["entity"] != ENTITY
            or not cursor["pk"].startswith("USER#")
        ):
            raise ValueError("not a users cursor")
        return cursor

    def update(self, current: User, updated: User) -> None:
        # Only over the exact item read, so concurrent edits cannot strand an email claim.
        set_user = _put(
            self._table,
            _item(updated),
            "attribute_exists(pk) AND email = :old AND updatedAt = :seen",
            {":old": current.email, ":seen": current.updated_at},
        )
        changed = Conflict("the user was changed by another request; retry")
        if email_key(current.email) == email_key(updated.email):
            self._transact([set_user], {0: changed})
            return
        self._transact(
            [
                set_user,
                _delete(self._table, _email_key(current.email), "userId = :id", {":id": current.user_id}),
                _put(self._table, _claim(updated), "attribute_not_exists(pk)"),
            ],
            {
                2: EmailTaken(f"another user has the email {updated.email}"),
                0: changed,
                1: Conflict("the user's email claim changed meanwhile; retry"),
            },
        )

    def delete(self, user: User) -> None:
        self._transact(
            [
                _delete(self._table, _user_key(user.user_id), "attribute_exists(pk)"),
                _delete(self._table, _email_key(user.email), "userId = :id", {":id": user.user_id}),
            ],
            {
                0: UserNotFound(f"no user {user.user_id!r}"),
                1: Conflict("the user's email claim changed meanwhile; retry"),
            },
        )
