"""Lambda entry point of the JWT TOKEN authorizer.

Every refusal is a Deny policy (API Gateway answers 403) and one log line naming the reason; the
caller learns nothing about why. Failures to fetch a key raise, so API Gateway answers 500 and,
unlike a Deny, nothing is cached.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from lambdas.common.observability import observe
from lambdas.services.authorizer import policy
from lambdas.services.authorizer import settings as authorizer_settings
from lambdas.services.authorizer.keys import JwksKeys, SecretsManagerKey
from lambdas.services.authorizer.tokens import KeySource, TokenRejected, TokenVerifier

observed = observe("authorizer", tracing=())


@cache
def verifier() -> TokenVerifier:
    settings = authorizer_settings.current()
    keys: KeySource = (
        SecretsManagerKey(settings.secret_id or "", settings.secret_cache_seconds)
        if settings.mode == "hs256"
        else JwksKeys(settings.jwks_url or "", settings.jwks_cache_seconds)
    )
    return TokenVerifier(
        algorithms=settings.algorithms,
        issuer=settings.issuer,
        audience=settings.audience,
        leeway=settings.leeway,
        keys=keys,
    )


@observed.handler()
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    event = event if isinstance(event, dict) else {}
    resource = policy.stage_arn(event.get("methodArn"))
    if event.get("type") != "TOKEN" or resource is None:
        observed.logger.warning("authorizer event rejected", extra={"reason": "not a TOKEN authorizer event"})
        return policy.deny(resource)
    try:
        claims = verifier().verify(event.get("authorizationToken"))
    except TokenRejected as exc:
        observed.logger.warning("token rejected", extra={"reason": exc.reason, "detail": exc.message[:200]})
        observed.count("TokensRejected")
        return policy.deny(resource)
    observed.count("TokensAccepted")
    return policy.allow(claims.subject, resource, {"sub": claims.subject, "scope": " ".join(claims.scopes)})
