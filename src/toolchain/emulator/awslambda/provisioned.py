"""Provisioned concurrency: the part of Lambda's API moto lacks, and the warm environments it promises.

Put/Get/Delete ProvisionedConcurrencyConfig on an alias or a version, and the list of a function's
(GET ...?List=ALL), with Lambda's errors. A Put starts that many workers for the version the qualifier
runs before it answers, so READY is true when it is said (AWS answers IN_PROGRESS and allocates over
minutes). From then on `keep` (on the emulator's clock) follows the qualifier: when a release moves the
alias, the new version's workers are started; during a canary they are split by the weights, as Lambda
splits them; workers of a version no longer provisioned idle out as any others do. Provisioned workers
start with AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency and are never reaped while idle.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote

from toolchain.emulator.awslambda.routing import name_and_qualifier, weights
from toolchain.emulator.awslambda.workers import WorkerDied

PATH = re.compile(r"^/2019-09-30/functions/(?P<function>[^/]+)/provisioned-concurrency/?$")
_REGION = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[a-z0-9-]+)/lambda/")


class ApiError(Exception):
    def __init__(self, status: str, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def split(primary: str, additional: dict[str, float], count: int) -> dict[str, int]:
    """`count` environments over an alias's versions by their weights (the primary gets the rest)."""
    shares = {version: round(count * weight) for version, weight in additional.items()}
    shares = {v: n for v, n in shares.items() if n > 0}
    shares[primary] = count - sum(shares.values())
    return {v: n for v, n in shares.items() if n > 0}


class ProvisionedConcurrency:
    """The configurations, by (region, function, qualifier), and the workers kept for them."""

    def __init__(self, provision: Callable[[Any, int], str], keep_only: Callable[[set[str]], None],
                 backend: Callable[[str], Any], log: Callable[[str], None] = print) -> None:  # fmt: skip
        self._provision, self._keep_only, self._backend, self._log = provision, keep_only, backend, log
        self._configs: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._keeping = threading.Lock()  # one pass at a time: two would start the same workers twice

    def durable_state(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        with self._lock:
            return [(region, name, qualifier, dict(config))
                    for (region, name, qualifier), config in sorted(self._configs.items())]  # fmt: skip

    def restore_state(self, state: list[tuple[str, str, str, dict[str, Any]]]) -> None:
        # the workers they keep are started by the next `keep`, as after a put
        with self._lock:
            self._configs = {(region, name, qualifier): dict(config) for region, name, qualifier, config in state}

    # -- the API -----------------------------------------------------------------------------------
    @staticmethod
    def handles(path: str) -> bool:
        return PATH.match(path) is not None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        match = PATH.match(environ.get("PATH_INFO", ""))
        assert match is not None
        region_match = _REGION.search(environ.get("HTTP_AUTHORIZATION", ""))
        region = region_match.group("region") if region_match else "us-east-1"
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        name, qualifier = name_and_qualifier(unquote(match.group("function")), query.get("Qualifier"))
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            if method == "GET" and query.get("List") == "ALL":
                return _answer(start_response, "200 OK", {"ProvisionedConcurrencyConfigs": self.list(region, name)})
            if method == "PUT":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
                return _answer(start_response, "202 Accepted", self.put(region, name, qualifier, body))
            if method == "GET":
                return _answer(start_response, "200 OK", self.get(region, name, qualifier))
            if method == "DELETE":
                self.delete(region, name, qualifier)
                start_response("204 No Content", [])
                return [b""]
            raise ApiError("405 Method Not Allowed", "InvalidRequestContentException", f"{method} is not allowed")
        except ApiError as error:
            headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", error.code)]
            start_response(error.status, headers)
            return [json.dumps({"Type": "User", "message": error.message}).encode()]

    def _function(self, region: str, name: str, qualifier: str | None) -> Any:
        try:
            function = self._backend(region).get_function(name)
        except Exception:
            raise ApiError("404 Not Found", "ResourceNotFoundException", f"Function not found: {name}") from None
        if not qualifier or qualifier.upper() == "$LATEST":
            message = "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
            raise ApiError("400 Bad Request", "InvalidParameterValueException", message)
        if not qualifier.isdigit():
            try:
                self._backend(region).get_alias(qualifier, name)
            except Exception:
                raise ApiError("404 Not Found", "ResourceNotFoundException",
                               f"Cannot find alias arn: {function.function_arn}:{qualifier}") from None  # fmt: skip
        return function

    def put(self, region: str, name: str, qualifier: str | None, body: dict[str, Any]) -> dict[str, Any]:
        function = self._function(region, name, qualifier)
        count = body.get("ProvisionedConcurrentExecutions")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ApiError("400 Bad Request", "InvalidParameterValueException",
                           "ProvisionedConcurrentExecutions must be a whole number of at least 1.")  # fmt: skip
        config = {"FunctionArn": f"{function.function_arn}:{qualifier}", "Requested": count, "Status": "IN_PROGRESS",
                  "StatusReason": None, "LastModified": _now()}  # fmt: skip
        with self._lock:
            self._configs[(region, name, str(qualifier))] = config
        self.keep()
        return _shape(config)

    def get(self, region: str, name: str, qualifier: str | None) -> dict[str, Any]:
        self._function(region, name, qualifier)
        with self._lock:
            config = self._configs.get((region, name, str(qualifier)))
        if config is None:
            raise ApiError("404 Not Found", "ProvisionedConcurrencyConfigNotFoundException",
                           "No Provisioned Concurrency Config found for this function")  # fmt: skip
        return _shape(config)

    def delete(self, region: str, name: str, qualifier: str | None) -> None:
        self._function(region, name, qualifier)
        with self._lock:
            found = self._configs.pop((region, name, str(qualifier)), None)
        if found is None:
            raise ApiError("404 Not Found", "ProvisionedConcurrencyConfigNotFoundException",
                           "No Provisioned Concurrency Config found for this function")  # fmt: skip
        self.keep()

    def list(self, region: str, name: str) -> list[dict[str, Any]]:
        with self._lock:
            configs = [c for (r, n, _), c in self._configs.items() if (r, n) == (region, name)]
        return [{"FunctionArn": c["FunctionArn"], **_shape(c)} for c in configs]

    # -- the warm workers --------------------------------------------------------------------------
    def keep(self) -> int:
        """Start what each configuration lacks for the versions its qualifier runs now; returns how many
        configurations are READY."""
        with self._keeping:
            return self._keep()

    def _keep(self) -> int:
        keys: set[str] = set()
        ready = 0
        with self._lock:
            configs = list(self._configs.items())
        for (region, name, qualifier), config in configs:
            backend = self._backend(region)
            try:
                if qualifier.isdigit():
                    versions = {qualifier: config["Requested"]}
                else:
                    alias = backend.get_alias(qualifier, name)
                    versions = split(str(alias.function_version), weights(alias), config["Requested"])
                for version, count in versions.items():
                    keys.add(self._provision(backend.get_function(name, version), count))
                config.update(Status="READY", StatusReason=None)
                ready += 1
            except WorkerDied as exc:
                config.update(Status="FAILED", StatusReason=f"the environment did not initialise: {exc}")
                self._log(f"provisioned concurrency of {name}:{qualifier} failed: {exc}")
            except Exception as exc:  # the function or alias went away meanwhile: Lambda drops the config too
                self._log(f"provisioned concurrency of {name}:{qualifier} dropped: {exc!r}")
                with self._lock:
                    self._configs.pop((region, name, qualifier), None)
        self._keep_only(keys)
        return ready


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _shape(config: dict[str, Any]) -> dict[str, Any]:
    ready = config["Requested"] if config["Status"] == "READY" else 0
    shaped = {
        "RequestedProvisionedConcurrentExecutions": config["Requested"],
        "AvailableProvisionedConcurrentExecutions": ready,
        "AllocatedProvisionedConcurrentExecutions": ready,
        "Status": config["Status"],
        "LastModified": config["LastModified"],
    }
    if config["StatusReason"]:
        shaped["StatusReason"] = config["StatusReason"]
    return shaped


def _answer(start_response: Callable[..., Any], status: str, body: Any) -> list[bytes]:
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]
