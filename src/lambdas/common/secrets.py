"""Secrets from Secrets Manager, cached per container for `max_age` seconds (Powertools Parameters).

Never from environment variables: only the secret's id is configured, its value stays in Secrets
Manager (and out of Terraform state).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from lambdas.common import aws
from lambdas.common.exceptions import ConfigurationError, DependencyError


@cache
def _provider() -> Any:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=aws.client("secretsmanager"))


def get_secret(secret_id: str, *, max_age: int, min_length: int = 1) -> str:
    try:
        value = _provider().get(secret_id, max_age=max_age)
    except Exception as exc:
        raise DependencyError(
            f"cannot read secret {secret_id}: {aws.error_code(exc.__cause__ or exc) or type(exc).__name__}"
        ) from exc
    if not isinstance(value, str) or len(value) < min_length:
        raise ConfigurationError(f"secret {secret_id} must be a string of at least {min_length} characters")
    return value
