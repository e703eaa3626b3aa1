"""Every call a function makes is authorised against its execution role, as AWS authorises it.

moto can check IAM only for all callers at once (its INITIAL_NO_AUTH_ACTION_COUNT), against the
resource "*", with one generic error. Here a request signed with a function's session key
(sessions.py) is judged by that role's policies for each resource it names (requests.py); any other
caller (the operator, Terraform, the tasks) goes through as moto lets it. A denied call gets the
error its service returns on AWS (code, status, message naming the principal, action and
resource), and the emulator's log says which policies were read, what denied, and the statement
that would allow it. EMULATOR_ENFORCE_IAM=0 turns it off.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from toolchain.emulator.iam.evaluation import Decision, combine, evaluate, role_policies, suggestion
from toolchain.emulator.iam.requests import Call, authorisations
from toolchain.emulator.iam.resource_based import for_caller, policy_of
from toolchain.emulator.iam.sessions import RoleSessions, Session, access_key_of, signing_service

ENFORCED = os.environ.get("EMULATOR_ENFORCE_IAM", "1") != "0"


def refused(log: Callable[[str], None] | None, what: str, why: str, enforced: bool = ENFORCED) -> bool:
    """Log what a policy refuses (`what`, then `why`); returns whether it goes ahead all the same,
    which it does only with enforcement off (and the line says so)."""
    if log is not None:
        log(f"{what}{'' if enforced else ' (not enforced: EMULATOR_ENFORCE_IAM=0)'}: {why}")
    return not enforced


# How each service answers AccessDenied on AWS: (protocol, error code, HTTP status).
_JSON_DENIALS = {
    "dynamodb": ("com.amazonaws.dynamodb.v20120810#AccessDeniedException", 400),
    "lambda": ("AccessDeniedException", 403),
    "sqs": ("AccessDenied", 403),
}
_XML_DENIALS = {"sns": ("AuthorizationError", 403), "sqs": ("AccessDenied", 403)}
# S3 operations whose IAM action is another's (AWS's Service Authorization Reference for S3).
S3_IAM_ACTION = {"HeadBucket": "ListBucket", "HeadObject": "GetObject", "ListObjects": "ListBucket",
                 "ListObjectsV2": "ListBucket", "CopyObject": "PutObject"}  # fmt: skip


@dataclass(frozen=True)
class Judgement:
    at: float
    principal: str
    role: str
    action: str
    resource: str
    allowed: bool
    by: str | None  # the statement that allowed or explicitly denied it


class Authorisations:
    """What each role was asked for and how it was answered: denials for the log and the control
    API, every distinct (role, action, resource) allowed for reports of what a role really uses."""

    def __init__(self, sessions: RoleSessions, log: Any = print, enforced: bool = ENFORCED) -> None:
        self.sessions = sessions
        self.enforced = enforced
        self._log = log
        self._lock = threading.Lock()
        self.denials: deque[Judgement] = deque(maxlen=1000)
        self.used: dict[tuple[str, str, str], str] = {}
        self._reported: set[tuple[str, str, str]] = set()

    def judge(self, session: Session, action: str, resource: str) -> Decision:
        decision = decide(session, action, resource)
        judgement = Judgement(time.time(), session.principal, session.role_arn, action, resource, decision.allowed,
                              decision.allowed_by or decision.denied_by)  # fmt: skip
        with self._lock:
            if decision.allowed:
                self.used.setdefault((session.role_arn, action, resource), decision.allowed_by or "")
            else:
                self.denials.append(judgement)
        if not decision.allowed:
            self._log(explain(session, decision, enforced=self.enforced))
        return decision

    def allows(self, role_arn: str, name: str, action: str, resource: str) -> bool:
        """Whether a service acting with a function's role (a poller, a failure destination) may make
        this call: allowed, or enforcement is off. A denial is logged once until it is allowed again, as
        a poller asks many times a second."""
        session = Session(role_arn, name, "")
        decision = decide(session, action, resource)
        key = (role_arn, action, resource)
        with self._lock:
            if decision.allowed:
                self.used.setdefault(key, decision.allowed_by or "")
                self._reported.discard(key)
                return True
            first = key not in self._reported
            self._reported.add(key)
            if first:
                self.denials.append(Judgement(time.time(), session.principal, role_arn, action, resource, False,
                                              decision.denied_by))  # fmt: skip
        if first:
            self._log(explain(session, decision, enforced=self.enforced))
        return not self.enforced

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "enforced": self.enforced,
                "denials": [asdict(j) for j in self.denials],
                "used": [{"role": r, "action": a, "resource": res, "allowed_by": by}
                         for (r, a, res), by in sorted(self.used.items())],
            }  # fmt: skip


def decide(session: Session, action: str, resource: str) -> Decision:
    """The role's identity policies and the resource's own policy (resource_based.py), as AWS decides a
    call within one account; a role that no longer exists is allowed nothing."""
    policies = role_policies(session.account, session.role_name)
    if policies is None:
        return Decision(action, resource, False, policies=())
    identity = evaluate(policies, action, resource)
    held = policy_of(session.account, resource)
    applying = for_caller(held, session.role_arn, session.principal) if held else None
    return combine(identity, evaluate([applying], action, resource) if applying else None)


def message(session: Session, decision: Decision) -> str:
    return (f"User: {session.principal} is not authorized to perform: {decision.action} on resource: "
            f"{decision.resource} {decision.reason}")  # fmt: skip


def explain(session: Session, decision: Decision, enforced: bool) -> str:
    """The emulator's log line for a denial: what was read, what decided, and what would allow it."""
    verdict = "AccessDenied" if enforced else "AccessDenied (not enforced: EMULATOR_ENFORCE_IAM=0)"
    read = ", ".join(decision.policies) or f"none: role {session.role_name} does not exist"
    if decision.denied_by:
        why = f"statement {decision.denied_by} denies it"
        fix = "remove or narrow that Deny"
    else:
        why = f"no statement allows {decision.action} on {decision.resource}"
        where = "the function's policy_statements" if session.function else f"the policy of role {session.role_name}"
        fix = f"add to {where}: {suggestion(decision.action, decision.resource)}"
    return (f"iam: {verdict}: {session.principal} {decision.action} {decision.resource}: "
            f"policies read: {read}; {why}; {fix}")  # fmt: skip


def _params(response: Any) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[0] for k, v in (getattr(response, "querystring", None) or {}).items()
                              if isinstance(v, list) and v}  # fmt: skip
    body = getattr(response, "raw_body", None) or getattr(response, "body", None)
    if isinstance(body, dict):  # DynamoDB's handler replaces its body with the parsed parameters
        params.update(body)
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str) and body.lstrip().startswith("{"):
        try:
            loaded = json.loads(body)
        except ValueError:
            loaded = None
        if isinstance(loaded, dict):
            params.update(loaded)
    return params


def _is_json(response: Any, service: str) -> bool:
    content_type = str(response.headers.get("Content-Type") or response.headers.get("content-type") or "")
    return service == "lambda" or "json" in content_type


def _denied(service: str, text: str, as_json: bool) -> Exception:
    from moto.core.exceptions import AccessDeniedError, JsonRESTError

    class QueryDenied(AccessDeniedError):  # moto's XML error of the query protocols, with AWS's code and text
        def __init__(self, error_type: str, text: str) -> None:
            super(AccessDeniedError, self).__init__(error_type, text)

    if as_json:
        error_type, status = _JSON_DENIALS.get(service, ("AccessDeniedException", 400))
        error: Any = JsonRESTError(error_type, text)
    else:
        error_type, status = _XML_DENIALS.get(service, ("AccessDenied", 403))
        error = QueryDenied(error_type, text)
    error.code = status
    return error


def _secret_arn(account: str, region: str, secret_id: str) -> str | None:
    from moto.secretsmanager.models import secretsmanager_backends

    try:
        return secretsmanager_backends[account][region].describe_secret(secret_id).arn
    except Exception:  # not found: the call is judged against the name's ARN and fails as AWS would
        return None


def authorise_calls(original: Any, emulator: Any) -> Any:
    """ActionAuthenticatorMixin._authenticate_and_authorize_normal_action, for every service but S3."""
    authorisations_: Authorisations = emulator.iam

    def authorize(self: Any, resource: str = "*") -> None:
        session = authorisations_.sessions.find(access_key_of(self.headers, getattr(self, "querystring", None)))
        if session is None:
            return original(self, resource)
        service = signing_service(self.headers) or str(getattr(self, "service_name", ""))
        call = Call(service, self._get_action() or "", session.account, self.region, _params(self), self.path,
                    str(getattr(self, "method", "POST")))  # fmt: skip
        for action, arn in authorisations(call, _secret_arn):
            decision = authorisations_.judge(session, action, arn)
            if not decision.allowed and authorisations_.enforced:
                raise _denied(service, message(session, decision), _is_json(self, service))
        return None

    return authorize


def authorise_s3_calls(original: Any, emulator: Any) -> Any:
    """ActionAuthenticatorMixin._authenticate_and_authorize_s3_action: objects and buckets by ARN. A
    bucket policy's Deny of the whole account (or of "*") holds for the operator too, as on AWS."""
    authorisations_: Authorisations = emulator.iam

    def authorize(self: Any, bucket_name: str | None = None, key_name: str | None = None) -> None:
        from moto.s3.exceptions import BucketAccessDeniedError, S3AccessDeniedError

        operation = (getattr(self, "data", None) or {}).get("Action") or self._get_action()
        operation = S3_IAM_ACTION.get(operation, operation)
        if operation == "GetObject" and (getattr(self, "querystring", None) or {}).get("versionId"):
            operation = "GetObjectVersion"  # a version asked for by id is another action on AWS
        action = f"s3:{operation}"
        target = f"arn:aws:s3:::{bucket_name or '*'}/{key_name}" if key_name else f"arn:aws:s3:::{bucket_name or '*'}"
        denied = BucketAccessDeniedError(bucket=bucket_name) if bucket_name else S3AccessDeniedError()
        session = authorisations_.sessions.find(access_key_of(self.headers, getattr(self, "querystring", None)))
        if session is None:
            if bucket_name and _bucket_denies_account(str(self.current_account), action, target):
                raise denied
            return original(self, bucket_name, key_name)
        decision = authorisations_.judge(session, action, target)
        if not decision.allowed and authorisations_.enforced:
            raise denied
        return None

    return authorize


# The account's root may always read, replace and delete a bucket's policy, whatever it denies (S3's
# guard against locking an account out of its own bucket); the operator stands for that root.
_ROOT_ALWAYS = frozenset({"s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"})


def _bucket_denies_account(account: str, action: str, resource: str) -> bool:
    if action in _ROOT_ALWAYS:
        return False
    held = policy_of(account, resource)
    applying = for_caller(held, f"arn:aws:iam::{account}:root", f"arn:aws:iam::{account}:root") if held else None
    return bool(applying and evaluate([applying], action, resource).denied_by)
