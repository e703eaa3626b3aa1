"""Lambda entry point of the JWT TOKEN authorizer.

Every refusal is a Deny policy (API Gateway answers 403) and one log line naming the reason; the
caller learns nothing about why. Failures to fetch a key raise, so API Gateway answers 500 and,
unlike a Deny, nothing is cached.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.logging import Logger
from aws_lambda_powertools.metrics import Metrics, MetricUnit

from lambdas.common.settings import auth_settings, metrics_namespace
from lambdas.services.authorizer import policy
from lambdas.services.authorizer.keys import JwksKeys, SecretsManagerKey
from lambdas.services.authorizer.tokens import KeySource, TokenRejected, TokenVerifier

SERVICE = "authorizer"
logger = Logger(service=SERVICE)
metrics = Metrics(namespace=metrics_namespace(), service=SERVICE)


@cache
def verifier() -> TokenVerifier:
    settings = auth_settings()
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


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    event = event if isinstance(event, dict) else {}
    resource = policy.stage_arn(event.get("methodArn"))
    if event.get("type") != "TOKEN" or resource is None:
        logger.warning("authorizer event rejected", extra={"reason": "not a TOKEN authorizer event"})
        return policy.deny(resource)
    try:
        claims = verifier().verify(event.get("authorizationToken"))
    except TokenRejected as exc:
        logger.warning("token rejected", extra={"reason": exc.reason, "detail": exc.message[:200]})
        metrics.add_metric(name="TokensRejected", unit=MetricUnit.Count, value=1)
        return policy.deny(resource)
    metrics.add_metric(name="TokensAccepted", unit=MetricUnit.Count, value=1)
    return policy.allow(claims.subject, resource, {"sub": claims.subject, "scope": " ".join(claims.scopes)})
