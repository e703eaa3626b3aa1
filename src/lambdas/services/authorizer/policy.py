"""IAM policies an API Gateway TOKEN authorizer answers with.

Both cover every method of the stage ("<api>/<stage>/*"): API Gateway caches the result per token,
and a policy naming only the first route would deny the next route from the cache.
"""

from __future__ import annotations

import re
from typing import Any

_METHOD_ARN = re.compile(r"(arn:aws[a-z-]*:execute-api:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9]+/[A-Za-z0-9_-]+)/", re.ASCII)


def stage_arn(method_arn: Any) -> str | None:
    """'arn:...:api/stage/*' for a method ARN, or None if it is not one."""
    match = _METHOD_ARN.match(method_arn) if isinstance(method_arn, str) else None
    return f"{match.group(1)}/*" if match else None


def _policy(principal: str, effect: str, resource: str) -> dict[str, Any]:
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
    }


def allow(principal: str, resource: str, context: dict[str, str]) -> dict[str, Any]:
    return {**_policy(principal, "Allow", resource), "context": context}


def deny(resource: str | None) -> dict[str, Any]:
    return _policy("unauthorized", "Deny", resource or "*")
