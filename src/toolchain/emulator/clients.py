"""boto3 clients for the emulator: its endpoint and the fixed credentials it accepts."""

from __future__ import annotations

from typing import Any

# moto accepts any credentials; these mark a request as meant for the emulator.
ACCESS_KEY_ID = "test"
SECRET_ACCESS_KEY = "test"  # noqa: S105 - not a secret: the emulator's fixed placeholder
SESSION_TOKEN = "test"  # noqa: S105 - likewise


def emulator_client(service: str, endpoint: str, region: str = "us-east-1", config: Any = None) -> Any:
    import boto3

    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        config=config,
    )


def session_client(service: str, endpoint: str, region: str, credentials: dict[str, str]) -> Any:
    """A client acting as a role's session (AWS_* variables, as RoleSessions issues them)."""
    import boto3

    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=credentials.get("AWS_SESSION_TOKEN") or None,
    )
