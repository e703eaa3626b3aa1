"""JWT verification with PyJWT: the header's algorithm must be on the allowlist before any key is used.

That single rule closes `alg: none` and HS/RS key confusion: in HS256 mode an RS256 token is refused
before its signature is looked at, and in JWKS mode an HS256 token "signed" with the public key is.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import jwt

from lambdas.common.exceptions import Unauthorized
from lambdas.common.untrusted import MalformedJson, json_value

MAX_TOKEN_LENGTH = 8192
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*", re.ASCII)  # with fullmatch: "abc\n" is not a segment
_BASE64URL = {c: n for n, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}
# by segment length mod 4: the low bits of the last character that encode no byte (None: impossible length)
_SPARE_BITS = (0, None, 0b1111, 0b11)
# RFC 7519 NumericDate: a JSON number. PyJWT would also take "1700000000" (a string) for exp.
_NUMERIC_DATES = ("exp", "iat", "nbf")


class TokenRejected(Unauthorized):
    """Why a token does not authorise anything; `reason` is logged, never returned to the caller."""

    code = "token_rejected"

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason


class KeySource(Protocol):
    def key_for(self, header: dict[str, Any]) -> Any:
        """The verification key for a token with this (unverified) header; TokenRejected if none."""
        ...


@dataclass(frozen=True)
class Claims:
    subject: str
    scopes: tuple[str, ...]
    issuer: str
    expires: int


_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not_yet_valid"),
    (jwt.InvalidIssuerError, "wrong_issuer"),
    (jwt.InvalidAudienceError, "wrong_audience"),
    (jwt.InvalidSignatureError, "bad_signature"),
    (jwt.MissingRequiredClaimError, "missing_claim"),
    (jwt.InvalidKeyError, "key_mismatch"),
    (jwt.DecodeError, "malformed"),
    (jwt.InvalidTokenError, "invalid"),
)


def bearer_token(header: Any) -> str:
    if not isinstance(header, str) or not header.strip():
        raise TokenRejected("missing", "no Authorization header")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or " " in token.strip():
        raise TokenRejected("wrong_scheme", "the Authorization header is not 'Bearer <token>'")
    if len(token) > MAX_TOKEN_LENGTH:
        raise TokenRejected("malformed", "the token is too long")
    return token.strip()


def _canonical(token: str) -> bool:
    """Compact JWS with unpadded base64url segments, each its only spelling: one token, one cache entry.

    PyJWT also accepts padding and, in places, the standard alphabet; API Gateway caches a policy per
    header value, so every extra spelling of a token would be verified and cached again. A segment
    is its bytes' only spelling when its length is not 1 mod 4 and the bits its last character
    carries beyond the last byte are zero (checked without decoding it).
    """
    segments = token.split(".")
    if len(segments) != 3:
        return False
    for segment in segments:
        if not _SEGMENT.fullmatch(segment):
            return False
        spare_bits = _SPARE_BITS[len(segment) % 4]
        if spare_bits is None or (spare_bits and _BASE64URL[segment[-1]] & spare_bits):
            return False
    return True


def _header(token: str) -> dict[str, Any]:
    """The JOSE header, read once (PyJWT's get_unverified_header decodes the whole token to get it)."""
    return _parsed_header(token.partition(".")[0])


@lru_cache(maxsize=64)  # an issuer's tokens share one header: parse it once per container, not per request
def _parsed_header(segment: str) -> dict[str, Any]:
    try:
        header = json_value(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)), what="the header")
    except (binascii.Error, ValueError, MalformedJson):
        raise TokenRejected("malformed", "the token's header is not base64url JSON") from None
    if not isinstance(header, dict) or not isinstance(header.get("kid", ""), str):
        raise TokenRejected("malformed", "the token's header is not a JSON object with a string kid")
    return header


def _scopes(payload: dict[str, Any]) -> tuple[str, ...]:
    raw = payload.get("scope", payload.get("scp", ""))
    if isinstance(raw, str):
        return tuple(s for s in raw.split() if s)
    if isinstance(raw, list) and all(isinstance(s, str) for s in raw):
        return tuple(raw)
    raise TokenRejected("invalid", "scope must be a string or a list of strings")


class TokenVerifier:
    def __init__(
        self,
        *,
        algorithms: tuple[str, ...],
        issuer: str,
        audience: str,
        leeway: int,
        keys: KeySource,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._algorithms = algorithms
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway
        self._keys = keys
        self._clock = clock

    def verify(self, authorization: Any) -> Claims:
        token = bearer_token(authorization)
        if not _canonical(token):
            raise TokenRejected("malformed", "the token is not three unpadded base64url segments")
        header = _header(token)
        algorithm = header.get("alg")
        if algorithm not in self._algorithms:
            raise TokenRejected("algorithm_not_allowed", f"algorithm {str(algorithm)[:20]!r} is not accepted")
        key = self._keys.key_for(header)
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.InvalidTokenError as exc:
            reason = next(name for kind, name in _ERRORS if isinstance(exc, kind))
            raise TokenRejected(reason, str(exc)) from None
        except (TypeError, ValueError) as exc:  # PyJWT's answer to a key of the wrong type
            raise TokenRejected("key_mismatch", str(exc)) from None
        for claim in _NUMERIC_DATES:
            if claim in payload and type(payload[claim]) not in (int, float):  # bool is an int, but no date
                raise TokenRejected("invalid", f"{claim} must be a number (a NumericDate)")
        issued = payload["iat"]
        if issued > self._clock() + self._leeway:
            raise TokenRejected("not_yet_valid", "the token is issued in the future")
        subject = payload["sub"]
        if not isinstance(subject, str) or not subject or len(subject) > 256:
            raise TokenRejected("invalid", "sub must be a non-empty string")
        return Claims(subject, _scopes(payload), payload["iss"], int(payload["exp"]))
