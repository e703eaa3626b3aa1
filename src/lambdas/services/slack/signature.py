"""Slack request signatures (v0): HMAC-SHA256 over `v0:{timestamp}:{raw body}` with the signing secret.

The raw body is what was signed, byte for byte: it is verified before it is parsed. Timestamps
more than five minutes from now are refused, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac

from lambdas.common.exceptions import Unauthorized
from lambdas.common.untrusted import same_secret

MAX_SKEW_SECONDS = 300
VERSION = "v0"


class SignatureRejected(Unauthorized):
    code = "bad_signature"

    def __init__(self, reason: str) -> None:
        super().__init__("the request is not signed by Slack")
        self.reason = reason


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    base = f"{VERSION}:{timestamp}:".encode() + body
    return f"{VERSION}=" + hmac.new(secret, base, hashlib.sha256).hexdigest()


def verify(secret: bytes, timestamp: str | None, signature: str | None, body: bytes, *, now: float) -> None:
    if not timestamp or not signature:
        raise SignatureRejected("missing_headers")
    # isdigit() alone would take "١٢٣" (Arabic-Indic digits), which int() reads as 123.
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        raise SignatureRejected("bad_timestamp")
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        raise SignatureRejected("stale_timestamp")
    if not same_secret(sign(secret, timestamp, body), signature):
        raise SignatureRejected("bad_signature")
