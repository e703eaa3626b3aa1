"""Where verification keys come from: a Secrets Manager secret (HS256) or a JWKS URL (RS256/ES256).

Both are cached per container with a TTL, so a rotated secret or key is picked up without a deploy
and a warm authorizer does not call out on every request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt

from lambdas.common import secrets
from lambdas.common.exceptions import DependencyError
from lambdas.services.authorizer.tokens import TokenRejected

MIN_SECRET_LENGTH = 32
JWKS_TIMEOUT_SECONDS = 3
_KEY_TYPES = {"RS256": "RSA", "ES256": "EC"}


class SecretsManagerKey:
    """The HS256 key: the SecretString of a Secrets Manager secret."""

    def __init__(self, secret_id: str, max_age: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._secret_id = secret_id
        self._max_age = max_age
        self._clock = clock
        self._key: bytes | None = None
        self._until = 0.0

    def key_for(self, header: dict[str, Any]) -> bytes:
        # Every request asks; the encoded key is kept for max_age, which is what the secrets cache
        # keeps the value for, minus its lookup (an environment read and a clock) on each token.
        # Timed from after the read, so the secrets cache has expired too when this does.
        if self._key is None or self._clock() >= self._until:
            value = secrets.get_secret(self._secret_id, max_age=self._max_age, min_length=MIN_SECRET_LENGTH)
            self._key, self._until = value.encode(), self._clock() + self._max_age
        return self._key


class JwksKeys:
    """RS256/ES256 public keys by `kid` from a JWKS document; an unknown kid refetches it once."""

    def __init__(self, url: str, max_age: int) -> None:
        # The document is cached for its lifespan (PyJWT's cache_jwk_set), never each key for ever:
        # cache_keys=True memoised every kid's key for the container's life, so a key taken out of
        # the JWKS (revoked) still verified tokens until the container was recycled.
        self._client = jwt.PyJWKClient(url, cache_keys=False, lifespan=max(max_age, 1), timeout=JWKS_TIMEOUT_SECONDS)

    def key_for(self, header: dict[str, Any]) -> Any:
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenRejected("unknown_key", "the token names no key (kid)")
        try:
            signing_key = self._client.get_signing_key(kid)
        except jwt.PyJWKClientConnectionError as exc:
            raise DependencyError(f"cannot fetch the JWKS: {exc}") from exc
        except jwt.PyJWKClientError:
            raise TokenRejected("unknown_key", "no key with that kid in the JWKS") from None
        if _KEY_TYPES.get(header.get("alg", "")) != signing_key.key_type:
            raise TokenRejected("key_mismatch", "the key's type does not match the token's algorithm")
        return signing_key.key
