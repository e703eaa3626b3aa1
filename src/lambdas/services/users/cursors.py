"""Pagination tokens a client can carry back but cannot forge. No AWS here.

A token is the position of the next page (DynamoDB's LastEvaluatedKey) and an HMAC-SHA256 of it
under a key only the function holds: `v1.<base64url JSON>.<base64url MAC>`. Well-formed is not
enough: a position the API did not hand out, or one from before the key rotated, is a 400, and the
MAC is checked in constant time before the position is even parsed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from lambdas.common.exceptions import RejectedInput
from lambdas.common.untrusted import json_value

VERSION = "v1"
MAX_TOKEN = 2048
# the secret may serve other purposes one day: this key is derived for pagination tokens only
_PURPOSE = b"users-api/pagination-token/v1"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class InvalidToken(RejectedInput):
    code = "invalid_token"


class CursorCodec:
    def __init__(self, secret: Callable[[], bytes]) -> None:
        self._secret = secret

    def _mac(self, payload: bytes) -> bytes:
        # derived on every call: the secret source caches the value, and a rotation must reach the key
        key = hmac.new(self._secret(), _PURPOSE, hashlib.sha256).digest()
        return hmac.new(key, VERSION.encode() + b"." + payload, hashlib.sha256).digest()

    def encode(self, cursor: dict[str, str]) -> str:
        return self.seal(json.dumps(cursor, sort_keys=True, separators=(",", ":")).encode())

    def seal(self, payload: bytes) -> str:
        """A token carrying `payload` as issued by this API (any bytes: decode still parses them as untrusted)."""
        return f"{VERSION}.{_b64(payload)}.{_b64(self._mac(payload))}"

    def decode(self, token: str) -> Any:
        """The position a token of ours carries; InvalidToken (or MalformedJson) for anything else."""
        if len(token) > MAX_TOKEN:
            raise InvalidToken(f"the token is longer than {MAX_TOKEN} characters")
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != VERSION:
            raise InvalidToken("not a token of this API")
        try:
            payload, mac = _unb64(parts[1]), _unb64(parts[2])
        except (binascii.Error, ValueError):
            raise InvalidToken("not base64url") from None
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise InvalidToken("the signature does not match")
        return json_value(payload, what="the pagination token")
