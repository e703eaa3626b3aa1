"""AssumeRoleWithWebIdentity admits only whom the role's trust policy admits, as STS does.

moto issues a session for any role and any token. STS checks the token's signature with the
identity provider (which the emulator cannot: a workflow token is signed by GitHub), then the role's
trust policy: a statement allowing sts:AssumeRoleWithWebIdentity to the OIDC provider that issued the
token, with its conditions on the token's claims (`<provider>:aud`, `<provider>:sub`). Here the
claims are read unverified and that second check is made, so a deploy role whose trust names the
wrong repository or environment is refused locally, as AWS would refuse it.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlparse

ACTION = "sts:AssumeRoleWithWebIdentity"


class TrustRefused(Exception):
    pass


def claims_of(token: str) -> dict[str, Any]:
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError) as exc:
        raise TrustRefused("the web identity token is not a JWT") from exc
    if not isinstance(claims, dict) or not isinstance(claims.get("iss"), str):
        raise TrustRefused("the web identity token names no issuer (iss)")
    return claims


def _provider_of(issuer: str) -> str:
    parsed = urlparse(issuer if "://" in issuer else f"https://{issuer}")
    return parsed.netloc + parsed.path.rstrip("/")


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def admits(trust_policy: dict[str, Any], provider_arns: set[str], claims: dict[str, Any]) -> str | None:
    """The Sid (or position) of the statement admitting the token's holder, None when none does."""
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    provider = _provider_of(str(claims["iss"]))
    context = {f"{provider}:{claim}": str(value) for claim, value in claims.items() if isinstance(value, str | int)}
    allowed = None
    for index, statement in enumerate(_listed(trust_policy.get("Statement", []))):
        federated = {str(p) for p in _listed((statement.get("Principal") or {}).get("Federated", []))}
        if not any(arn in provider_arns and arn.endswith(f":oidc-provider/{provider}") for arn in federated):
            continue
        judged = {k: v for k, v in statement.items() if k != "Principal"} | {"Resource": "*"}
        result = IAMPolicyStatement(judged).is_action_permitted(ACTION, "*", None, context)
        if result == PermissionResult.DENIED:
            return None
        if result == PermissionResult.PERMITTED and allowed is None:
            allowed = str(statement.get("Sid") or f"statement {index + 1}")
    return allowed


def checked_web_identity(original: Any, emulator: Any) -> Any:
    """TokenResponse.assume_role_with_web_identity: the trust policy judges the token's claims first."""
    from moto.iam.models import iam_backends
    from moto.sts.exceptions import STSClientError

    log = getattr(emulator, "log", print)

    def assume_role_with_web_identity(self: Any) -> Any:
        role_arn = str(self._get_param("RoleArn") or "")
        try:
            claims = claims_of(str(self._get_param("WebIdentityToken") or ""))
            account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
            backend = iam_backends[account]["aws"] if account else None
            if backend is None:
                raise TrustRefused(f"{role_arn!r} is not a role ARN")
            try:
                role = backend.get_role_by_arn(role_arn)
            except Exception as exc:  # moto's NotFoundException
                raise TrustRefused(f"no role {role_arn}") from exc
            document = role.assume_role_policy_document
            trust = json.loads(document) if isinstance(document, str) else document
            if admits(trust, set(backend.open_id_providers), claims) is None:
                raise TrustRefused(f"the trust policy of {role.name} admits no token with iss={claims['iss']} "
                                   f"sub={claims.get('sub')} aud={claims.get('aud')}")  # fmt: skip
        except TrustRefused as refused:
            log(f"iam: AccessDenied: {ACTION} on {role_arn}: {refused}")
            error = STSClientError("AccessDenied", f"Not authorized to perform {ACTION}")
            error.code = "AccessDenied"
            raise error from None
        return original(self)

    return assume_role_with_web_identity
