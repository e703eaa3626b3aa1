"""Test keys and token factories shared by the authorizer's tests (unit, integration, e2e)."""

from __future__ import annotations

import base64
import json
import time
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ISSUER = "https://auth.example.com/"
AUDIENCE = "platform-api"


@cache
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_pem(key: Any) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def jwks() -> dict[str, Any]:
    rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_key().public_key()))
    ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(ec_key().public_key()))
    return {"keys": [{**rsa_jwk, "kid": "rsa-1", "use": "sig", "alg": "RS256"},
                     {**ec_jwk, "kid": "ec-1", "use": "sig", "alg": "ES256"}]}  # fmt: skip


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "sub": "user-42",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
        "scope": "users:read users:write",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def hs256(secret: str | bytes, **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), secret, algorithm="HS256")


def rs256(kid: str = "rsa-1", **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), rsa_key(), algorithm="RS256", headers={"kid": kid})


def es256(kid: str = "ec-1", **overrides: Any) -> str:
    return jwt.encode(claims(**overrides), ec_key(), algorithm="ES256", headers={"kid": kid})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(**overrides: Any) -> str:
    """`alg: none`: a token that claims to need no signature."""
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims(**overrides)).encode())}."


def hs256_with_public_key(kid: str = "rsa-1") -> str:
    """Key confusion: HMAC "signed" with the RSA public key, hoping the verifier uses it as a secret."""
    import hashlib
    import hmac

    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = _b64(json.dumps(claims()).encode())
    signature = hmac.new(public_pem(rsa_key()), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["sub"] = "admin"
    return f"{header}.{_b64(json.dumps(body).encode())}.{signature}"


SECRET = "s" * 48


def attack_list(secret: str = SECRET) -> dict[str, str | None]:
    """Every Authorization header value the authorizer must refuse (None: no header at all)."""
    return {
        "missing header": None,
        "empty header": "",
        "another scheme": f"Basic {base64.b64encode(b'user:pass').decode()}",
        "bearer without token": "Bearer ",
        "malformed token": "Bearer not.a.jwt",
        "garbage": "Bearer " + "A" * 50,
        "alg none": "Bearer " + unsigned(),
        "HS/RS key confusion": "Bearer " + hs256_with_public_key(),
        "RS256 where HS256 is expected": "Bearer " + rs256(),
        "expired": "Bearer " + hs256(secret, iat=int(time.time()) - 3600, exp=int(time.time()) - 600),
        "not yet valid": "Bearer " + hs256(secret, nbf=int(time.time()) + 600),
        "issued in the future": "Bearer " + hs256(secret, iat=int(time.time()) + 600),
        "wrong issuer": "Bearer " + hs256(secret, iss="https://evil.example/"),
        "wrong audience": "Bearer " + hs256(secret, aud="someone-else"),
        "bad signature": "Bearer " + hs256("another-secret-that-is-long-enough-0123456789"),
        "tampered payload": "Bearer " + tampered(hs256(secret)),
        "no subject": "Bearer " + hs256(secret, sub=None),
        "no expiry": "Bearer " + hs256(secret, exp=None),
        "expiry as a string": "Bearer " + hs256(secret, exp=str(int(time.time()) + 300)),
        "padded signature": "Bearer " + hs256(secret) + "=",
    }


# Why the authorizer refuses each attack (None: API Gateway refuses it before the authorizer runs).
ATTACK_REASONS: dict[str, str | None] = {
    "missing header": None,
    "empty header": None,
    "another scheme": "wrong_scheme",
    "bearer without token": "wrong_scheme",
    "malformed token": "malformed",
    "garbage": "malformed",
    "alg none": "algorithm_not_allowed",
    "HS/RS key confusion": "bad_signature",
    "RS256 where HS256 is expected": "algorithm_not_allowed",
    "expired": "expired",
    "not yet valid": "not_yet_valid",
    "issued in the future": "not_yet_valid",
    "wrong issuer": "wrong_issuer",
    "wrong audience": "wrong_audience",
    "bad signature": "bad_signature",
    "tampered payload": "bad_signature",
    "no subject": "missing_claim",
    "no expiry": "missing_claim",
    "expiry as a string": "invalid",
    "padded signature": "malformed",
}
