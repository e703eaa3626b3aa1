"""Sessions of roles: the credentials Lambda gives a function, and those STS issues.

Each worker gets an access key of its own role's session (`ASIA...`, as STS's temporary keys are
spelt), so every call it makes can be told apart from the operator's and the deployer's and judged
by that role's policies (enforcement.py). Keys are derived from the role and the emulator's
instance, so a function's workers keep one key (and their warm pool) across invocations. A key STS
issued (AssumeRole, AssumeRoleWithWebIdentity: the deployer's role, as CI assumes it) is that
role's session too, and judged the same way.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass

_CREDENTIAL = re.compile(r"Credential=([A-Z0-9]+)/")


@dataclass(frozen=True)
class Session:
    role_arn: str
    name: str  # the session's name: the function's, as Lambda names it
    access_key_id: str
    function: bool = True  # a function's worker; False: a session STS issued (a deployer, a test)

    @property
    def account(self) -> str:
        return self.role_arn.split(":")[4]

    @property
    def role_name(self) -> str:
        return self.role_arn.rsplit("/", 1)[-1]

    @property
    def principal(self) -> str:
        """The ARN AWS names in an AccessDenied message for this caller."""
        return f"arn:aws:sts::{self.account}:assumed-role/{self.role_name}/{self.name}"


class RoleSessions:
    def __init__(self, instance: str) -> None:
        self._instance = instance
        self._by_key: dict[str, Session] = {}
        self._lock = threading.Lock()

    def _derive(self, purpose: str, role_arn: str, name: str, length: int) -> str:
        digest = hashlib.sha256(f"{self._instance}\0{purpose}\0{role_arn}\0{name}".encode()).hexdigest()
        return digest[:length].upper()

    def credentials(self, role_arn: str, name: str) -> dict[str, str]:
        """The AWS_* variables of a worker of function `name` running as `role_arn`."""
        key = "ASIA" + self._derive("key", role_arn, name, 16)
        with self._lock:
            self._by_key[key] = Session(role_arn, name, key)
        return {
            "AWS_ACCESS_KEY_ID": key,
            "AWS_SECRET_ACCESS_KEY": self._derive("secret", role_arn, name, 40),
            "AWS_SESSION_TOKEN": "emulated-session-" + self._derive("token", role_arn, name, 32),
        }

    def durable_state(self) -> dict[str, str]:
        # the key the credentials derive from: kept, a worker's credentials stay valid across restarts
        return {"instance": self._instance}

    def restore_state(self, state: dict[str, str]) -> None:
        self._instance = state["instance"]

    def find(self, access_key_id: str | None) -> Session | None:
        with self._lock:
            found = self._by_key.get(access_key_id or "")
        return found or issued_by_sts(access_key_id)


def issued_by_sts(access_key_id: str | None) -> Session | None:
    """The role session STS issued this key for, if it did."""
    if not access_key_id or not access_key_id.startswith("ASIA"):  # the operator's and Terraform's "test"
        return None
    from moto.sts.models import sts_backends

    for account in list(sts_backends.keys()):
        assumed = sts_backends[account]["global"].get_assumed_role_from_access_key(access_key_id)
        if assumed is not None:
            return Session(assumed.role_arn, assumed.session_name, access_key_id, function=False)
    return None


def access_key_of(headers: object, query: dict[str, list[str]] | None = None) -> str | None:
    """The access key a request is signed with: its Authorization header, or a presigned URL's query."""
    authorization = getattr(headers, "get", lambda _k, _d=None: None)("Authorization") or ""
    if match := _CREDENTIAL.search(str(authorization)):
        return match.group(1)
    credential = (query or {}).get("X-Amz-Credential") or []
    return credential[0].split("/", 1)[0] if credential else None


def signing_service(headers: object) -> str | None:
    """The service a request was signed for (the credential scope's fourth part)."""
    authorization = str(getattr(headers, "get", lambda _k, _d=None: None)("Authorization") or "")
    scope = authorization.split("Credential=", 1)[-1].split(",", 1)[0].split("/")
    return scope[3] if len(scope) > 4 else None
