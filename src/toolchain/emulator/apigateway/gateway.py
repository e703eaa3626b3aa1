"""API Gateway REST APIs served on localhost, as API Gateway serves them.

moto stores REST APIs but does not serve them. Here every deployed stage gets a port of its own;
each request is matched against the API's resources and methods as moto holds them, goes through
the TOKEN authorizer (its result cached per token for the configured TTL, its policy evaluated
against the request's method ARN), then through the Lambda proxy integration, and the function's
answer is mapped back to HTTP. Stage throttling and JSON access logs are applied too.

Each stage serves its deployment's snapshot of the resources (deployments.py): a route added
without a new deployment is not served. An integration that outlives its timeoutInMillis (29 s at
most) answers 504 while the function runs on, as on AWS.
"""

from __future__ import annotations

import base64
import contextvars
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from toolchain.emulator.apigateway.deployments import as_deployed
from toolchain.emulator.apigateway.rules import (
    MAX_METHOD_ARN_BYTES,
    MAX_PAYLOAD_BYTES,
    MAX_URL_CHARACTERS,
    GatewayError,
    Route,
    TokenBucket,
    integration_timeout,
    match_route,
    payload_too_large,
    policy_allows,
    timed_out,
    uri_too_long,
)
from toolchain.emulator.awslambda.executor import Invocation
from toolchain.emulator.awslambda.routing import invoked
from toolchain.emulator.iam.enforcement import ENFORCED, refused
from toolchain.emulator.iam.resource_policies import Invoker, may_invoke, permission_hint
from toolchain.emulator.metering import EDGE, METER
from toolchain.emulator.xray.segments import HTTP_HEADER, STORE, Segment, TraceStore, continuing, entry_segment, span_in

Run = Callable[[Any, str, str], Invocation]  # (function, event JSON, source) -> invocation
_FUNCTION_URI = re.compile(
    r"arn:aws[a-z-]*:apigateway:[^:]+:lambda:path/[^/]+/functions/(?P<arn>arn:[^/]+)/invocations"
)


class _GatewayRequestHandler(WSGIRequestHandler):
    """Errors the HTTP layer answers before the app sees a request (a request line over 64 KiB, say)
    in API Gateway's JSON shape, not http.server's HTML page."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        body = json.dumps({"message": message or self.responses.get(code, ("Error",))[0]}).encode()
        self.close_connection = True
        self.send_response(code, message)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-ErrorType", "ClientException" if code < 500 else "InternalServerErrorException")
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)


# API Gateway bills no request it refused itself for its credentials (the authorizer's 401/403) or
# throttled (429)
_NOT_BILLED = frozenset({401, 403, 429})


class StageApp:
    """WSGI app for one stage of one REST API; reads the API from moto's backend on every request."""

    def __init__(self, backend: Any, api_id: str, stage: str, run: Run, get_function: Callable[[str], Any],
                 traces: TraceStore = STORE, log: Callable[[str], None] = print,
                 enforced: bool = ENFORCED, iam: Any = None) -> None:  # fmt: skip
        self.traces = traces
        self._log = log
        self._iam = iam  # judges the account's CloudWatch role when access logs are written
        self._said_no_role = False
        self._enforced = enforced
        self._backend = backend
        self.api_id = api_id
        self.stage = stage
        self._run = run
        self._get_function = get_function
        self._cache: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self._cache_lock = threading.Lock()
        self._bucket: TokenBucket | None = None
        self._log_stream = f"local-{uuid.uuid4().hex[:16]}"

    @property
    def api(self) -> Any:
        return self._backend.apis[self.api_id]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        started = time.monotonic()
        context: dict[str, Any] = {
            "requestId": str(uuid.uuid4()),
            "requestTime": datetime.now(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(time.time() * 1000),
            "httpMethod": request.method,
            "path": request.path,
            "protocol": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "stage": self.stage,
            "sourceIp": request.remote_addr or "127.0.0.1",
            "userAgent": request.headers.get("User-Agent", ""),
        }
        segment = self._segment(request, context["requestId"])
        context["trace"] = segment
        try:
            with continuing(segment.header if segment is not None else None):
                response = self._handle(request, context)
        except GatewayError as exc:
            context["error"] = exc.error
            response = Response(json.dumps(exc.body), exc.status, content_type="application/json")
        response.headers["x-amzn-RequestId"] = context["requestId"]
        context.update(status=response.status_code, length=len(response.get_data()),
                       latency=int((time.monotonic() - started) * 1000))  # fmt: skip
        self._access_log(context)
        if not (context.get("error") and response.status_code in _NOT_BILLED):  # a function's own 403 is billed
            METER.add(EDGE, "apigateway.rest_requests", 1)
        if segment is not None:
            status = response.status_code
            segment.end(status=status, fault=status >= 500, error=400 <= status < 500, throttle=status == 429)
            self.traces.put(segment.doc)
            response.headers[HTTP_HEADER] = str(segment.trace.under(segment.id))
        return response(environ, start_response)

    def _segment(self, request: Request, request_id: str) -> Segment | None:
        """The stage's segment when X-Ray tracing is on for it, or the caller's trace is sampled."""
        http = {"url": request.url, "method": request.method, "user_agent": request.headers.get("User-Agent", ""),
                "client_ip": request.remote_addr or "127.0.0.1"}  # fmt: skip
        return entry_segment(f"{self.api_id}/{self.stage}", "AWS::ApiGateway::Stage", request.headers.get(HTTP_HEADER),
                             bool(getattr(self.api.stages.get(self.stage), "tracing_enabled", False)),
                             http={"request": http}, aws={"api_id": self.api_id, "stage": self.stage,
                                                          "request_id": request_id})  # fmt: skip

    # -- the request's way through API Gateway ---------------------------------------------------
    def _handle(self, request: Request, context: dict[str, Any]) -> Response:
        if len(request.full_path) > MAX_URL_CHARACTERS:
            raise uri_too_long("the URL is longer than API Gateway accepts")
        if (request.content_length or 0) > MAX_PAYLOAD_BYTES or len(request.get_data()) > MAX_PAYLOAD_BYTES:
            raise payload_too_large(len(request.get_data()))
        prefix = f"/{self.stage}"
        if request.path != prefix and not request.path.startswith(prefix + "/"):
            raise GatewayError(403, {"message": "Forbidden"}, "unknown stage")
        self._throttle()
        path = request.path[len(prefix) :] or "/"
        route = match_route(as_deployed(self.api, self.stage), path, request.method)
        context.update(resourcePath=route.resource.get_path(), resourceId=route.resource.id)
        authorizer = self._authorize(route, request, path, context)
        integration = route.method.method_integration
        if integration is None or integration.integration_type != "AWS_PROXY":
            raise GatewayError(500, {"message": "Internal server error"}, "only Lambda proxy integrations are served")
        match = _FUNCTION_URI.match(integration.uri or "")
        if not match:
            raise GatewayError(
                500, {"message": "Internal server error"}, f"unsupported integration uri {integration.uri}"
            )
        api = self.api
        source = f"arn:aws:execute-api:{api.region_name}:{api.account_id}:{self.api_id}/{self.stage}/{request.method}"
        source += path
        self._may_invoke(match.group("arn"), source, "Execution failed due to configuration error: "
                         "Invalid permissions on Lambda function", {"message": "Internal server error"})  # fmt: skip
        event = self._proxy_event(request, path, route, authorizer, context)
        with span_in(context.get("trace"), "Lambda"):
            result = self._within(integration_timeout(integration), self._get_function(match.group("arn")),
                                  json.dumps(event))  # fmt: skip
        if result.throttled:
            raise GatewayError(429, {"message": "Too Many Requests"}, f"the function is throttled ({result.throttled})")
        return self._proxy_response(result)

    def _within(self, seconds: float, fn: Any, event: str) -> Invocation:
        """The function's answer, or API Gateway's 504 once the integration's timeout has passed (the
        function runs on, as Lambda's does: only the caller stops waiting)."""
        answered: list[Invocation] = []
        failed: list[BaseException] = []
        done = threading.Event()

        def run() -> None:
            try:
                answered.append(self._run(fn, event, "apigateway"))
            except BaseException as exc:  # handed to the request's thread, which answers for it
                failed.append(exc)
            finally:
                done.set()

        context = contextvars.copy_context()  # the request's trace goes with the invocation
        threading.Thread(target=context.run, args=(run,), daemon=True, name="integration").start()
        if not done.wait(seconds):
            error = timed_out(seconds)
            self._log(f"apigateway: {error.error} ({self.api_id}/{self.stage}; the function runs on)")
            raise error
        if failed:
            raise failed[0]
        return answered[0]

    def _throttle(self) -> None:
        settings = self._backend.apis[self.api_id].stages[self.stage].method_settings.get("*/*")
        if settings:
            rate, burst = float(settings["throttlingRateLimit"]), int(settings["throttlingBurstLimit"])
            if self._bucket is None or (self._bucket.rate, self._bucket.burst) != (rate, burst):
                self._bucket = TokenBucket(rate, burst)
            if not self._bucket.take():
                raise GatewayError(429, {"message": "Too Many Requests"}, "throttled")

    def _authorize(self, route: Route, request: Request, path: str, context: dict[str, Any]) -> dict[str, Any]:
        if route.method.authorization_type != "CUSTOM":
            return {}
        authorizer = self.api.authorizers.get(route.method.authorizer_id)
        if authorizer is None or (authorizer.type or "TOKEN") != "TOKEN":
            raise GatewayError(500, {"message": None}, "authorizer missing or not a TOKEN authorizer")
        header = (authorizer.identity_source or "method.request.header.Authorization").rsplit(".", 1)[-1]
        token = request.headers.get(header, "")
        pattern = authorizer.identity_validation_expression
        if not token or (pattern and not re.fullmatch(pattern, token)):
            raise GatewayError(401, {"message": "Unauthorized"}, "no identity")
        api = self.api
        method_arn = (
            f"arn:aws:execute-api:{api.region_name}:{api.account_id}:{self.api_id}/{self.stage}/{request.method}{path}"
        )
        if len(method_arn.encode()) > MAX_METHOD_ARN_BYTES:
            raise uri_too_long("the method ARN is longer than API Gateway accepts")
        with span_in(context.get("trace"), f"Authorizer {authorizer.name}"):
            result = self._cached_policy(authorizer, token, method_arn)
        allowed = policy_allows(result.get("policyDocument") or {}, method_arn)
        context["principalId"] = result.get("principalId")
        if allowed is False:
            raise GatewayError(
                403, {"Message": "User is not authorized to access this resource with an explicit deny"}, "denied"
            )
        if allowed is None:
            raise GatewayError(403, {"Message": "User is not authorized to access this resource"}, "not allowed")
        return {"principalId": result.get("principalId"), **(result.get("context") or {})}

    def _cached_policy(self, authorizer: Any, token: str, method_arn: str) -> dict[str, Any]:
        ttl = 300 if authorizer.authorizer_result_ttl is None else int(authorizer.authorizer_result_ttl)
        key = (authorizer.id, token)
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        match = _FUNCTION_URI.match(authorizer.authorizer_uri or "")
        if not match:
            raise GatewayError(500, {"message": None}, "authorizer uri is not a Lambda function")
        api = self.api
        source = f"arn:aws:execute-api:{api.region_name}:{api.account_id}:{self.api_id}/authorizers/{authorizer.id}"
        self._may_invoke(match.group("arn"), source, "AuthorizerConfigurationException: "
                         "Invalid permissions on the authorizer function", {"message": None})  # fmt: skip
        event = {"type": "TOKEN", "authorizationToken": token, "methodArn": method_arn}
        result = self._run(self._get_function(match.group("arn")), json.dumps(event), "apigateway-authorizer")
        if result.errored:
            message = json.loads(result.payload or "{}").get("errorMessage") if result.payload else None
            if message == "Unauthorized":
                raise GatewayError(401, {"message": "Unauthorized"}, "authorizer said Unauthorized")
            raise GatewayError(500, {"message": None}, "authorizer failed")
        try:
            policy = json.loads(result.payload)
            if not isinstance(policy, dict) or "principalId" not in policy or "policyDocument" not in policy:
                raise ValueError("not a policy")
        except ValueError:
            raise GatewayError(500, {"message": None}, "authorizer answered without a policy") from None
        if ttl > 0:
            with self._cache_lock:
                self._cache[key] = (time.monotonic() + ttl, policy)
        return policy

    def _may_invoke(self, function_arn: str, source_arn: str, error: str, body: dict[str, Any]) -> None:
        """API Gateway invokes a function only as its resource policy allows (an aws_lambda_permission);
        without one it answers 500 and its execution log names the configuration error."""
        invoker = Invoker("apigateway.amazonaws.com", source_arn, self.api.account_id)
        if may_invoke(function_arn, invoker) is not None:
            return
        why = (f"no statement of {function_arn}'s resource policy lets apigateway.amazonaws.com invoke it from "
               f"{source_arn}; add {permission_hint(function_arn, invoker)}")  # fmt: skip
        if not refused(self._log, f"apigateway: {error}", why, self._enforced):
            raise GatewayError(500, body, error)

    def _proxy_event(
        self, request: Request, path: str, route: Route, authorizer: dict[str, Any], context: dict[str, Any]
    ) -> dict[str, Any]:
        headers = dict(request.headers.items())
        multi_headers: dict[str, list[str]] = {}
        for name, value in request.headers.items():
            multi_headers.setdefault(name, []).append(value)
        query_pairs = parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True)
        multi_query: dict[str, list[str]] = {}
        for name, value in query_pairs:
            multi_query.setdefault(name, []).append(value)
        raw = request.get_data()
        binary = request.mimetype in (self.api.binaryMediaTypes or [])
        try:
            body, encoded = (raw.decode("utf-8"), False) if not binary else (None, True)
        except UnicodeDecodeError:
            body, encoded = None, True
        if encoded:
            body = base64.b64encode(raw).decode()
        stage = self.api.stages[self.stage]
        return {
            "resource": route.resource.get_path(),
            "path": path,
            "httpMethod": request.method,
            "headers": headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": dict(query_pairs) or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": route.path_params or None,
            "stageVariables": stage.variables or None,
            "requestContext": {
                "resourceId": route.resource.id,
                "resourcePath": route.resource.get_path(),
                "httpMethod": request.method,
                "requestId": context["requestId"],
                "extendedRequestId": context["requestId"],
                "requestTime": context["requestTime"],
                "requestTimeEpoch": context["requestTimeEpoch"],
                "path": f"/{self.stage}{path}",
                "accountId": self.api.account_id,
                "protocol": context["protocol"],
                "stage": self.stage,
                "domainName": request.host,
                "apiId": self.api_id,
                "identity": {"sourceIp": context["sourceIp"], "userAgent": context["userAgent"]},
                "authorizer": authorizer or None,
            },
            "body": body if raw else None,
            "isBase64Encoded": encoded and bool(raw),
        }

    @staticmethod
    def _proxy_response(result: Invocation) -> Response:
        bad = GatewayError(502, {"message": "Internal server error"}, "malformed Lambda proxy response")
        if result.errored:
            raise GatewayError(502, {"message": "Internal server error"}, "the function failed")
        try:
            payload = json.loads(result.payload)
        except ValueError:
            raise bad from None
        if not isinstance(payload, dict) or not isinstance(payload.get("statusCode"), int):
            raise bad
        body = payload.get("body") or ""
        if not isinstance(body, str):
            raise bad
        data = base64.b64decode(body) if payload.get("isBase64Encoded") else body.encode()
        response = Response(data, payload["statusCode"])
        response.headers.pop("Content-Type", None)
        for name, value in (payload.get("headers") or {}).items():
            response.headers[name] = str(value)
        for name, values in (payload.get("multiValueHeaders") or {}).items():
            response.headers.remove(name)
            for value in values:
                response.headers.add(name, str(value))
        if "Content-Type" not in response.headers:
            response.headers["Content-Type"] = "application/json"
        return response

    def _may_log(self, group: str) -> bool:
        """API Gateway writes access logs as the account's CloudWatch role (its settings'
        cloudwatchRoleArn): with none, or one that may not write there, the lines are lost."""
        if self._iam is None:
            return True
        role = self._backend.account.cloudwatch_role_arn
        if not role:
            if not self._said_no_role:
                self._said_no_role = True
                self._log(f"apigateway: access logs of {self.api_id}/{self.stage} are not written: no CloudWatch "
                          "role in API Gateway's account settings (aws_api_gateway_account)")  # fmt: skip
            return not self._enforced
        region, account = self.api.region_name, self.api.account_id
        target = f"arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:{self._log_stream}"
        return all(self._iam.allows(role, "apigateway", action, target)
                   for action in ("logs:CreateLogStream", "logs:PutLogEvents"))  # fmt: skip

    def _access_log(self, context: dict[str, Any]) -> None:
        stage = self.api.stages.get(self.stage)
        settings = getattr(stage, "access_log_settings", None) or {}
        destination, template = settings.get("destinationArn"), settings.get("format")
        if not destination or not template:
            return
        values = {
            "$context.requestId": context["requestId"],
            "$context.identity.sourceIp": context["sourceIp"],
            "$context.requestTime": context["requestTime"],
            "$context.httpMethod": context["httpMethod"],
            "$context.resourcePath": context.get("resourcePath", "-"),
            "$context.path": context["path"],
            "$context.status": str(context["status"]),
            "$context.responseLength": str(context["length"]),
            "$context.responseLatency": str(context["latency"]),
            "$context.authorizer.principalId": str(context.get("principalId") or "-"),
            "$context.error.message": context.get("error", "-"),
            "$context.protocol": context["protocol"],
            "$context.stage": self.stage,
        }
        line = re.sub(r"\$context\.[A-Za-z.]+", lambda m: values.get(m.group(0), "-"), template)
        from moto.logs.models import logs_backends

        group = destination.split(":log-group:", 1)[-1].removesuffix(":*")
        if not self._may_log(group):
            return
        backend = logs_backends[self.api.account_id][self.api.region_name]
        backend.ensure_log_group(group)
        if self._log_stream not in backend.groups[group].streams:
            backend.create_log_stream(group, self._log_stream)
        backend.put_log_events(group, self._log_stream, [{"timestamp": int(time.time() * 1000), "message": line}])


@dataclass
class _Served:
    server: Any
    thread: threading.Thread
    url: str
    name: str


class LocalApiGateway:
    """One localhost server per (REST API, stage) moto holds; `refresh` follows creations and deletions."""

    def __init__(self, run: Run, host: str = "127.0.0.1", log: Callable[[str], None] = print, iam: Any = None) -> None:
        self._run = run
        self._log = log
        self._iam = iam
        self._host = host
        self._served: dict[tuple[str, str, str, str], _Served] = {}
        self._lock = threading.Lock()
        # each stage's port from before a restart, taken again when free so saved URLs keep working
        self._ports: dict[tuple[str, str, str, str], int] = {}

    def durable_state(self) -> list[tuple[str, str, str, str, int]]:
        with self._lock:
            ports = {**self._ports, **{k: s.server.server_address[1] for k, s in self._served.items()}}
        return sorted((*key, port) for key, port in ports.items())

    def restore_state(self, state: list[tuple[str, str, str, str, int]]) -> None:
        with self._lock:
            self._ports = {(account, region, api, stage): port for account, region, api, stage, port in state}

    def _server(self, key: tuple[str, str, str, str], app: Any) -> Any:
        port = self._ports.pop(key, 0)
        try:
            return make_server(self._host, port, app, threaded=True, request_handler=_GatewayRequestHandler)
        except (OSError, SystemExit):  # taken meanwhile (werkzeug exits): any free port, and the URL changes
            self._log(f"port {port} of stage {key[3]} of API {key[2]} is taken; it gets another")
            return make_server(self._host, 0, app, threaded=True, request_handler=_GatewayRequestHandler)

    @staticmethod
    def _stages() -> dict[tuple[str, str, str, str], tuple[Any, str]]:
        from moto.apigateway.models import apigateway_backends

        found = {}
        for account_id, regions in list(apigateway_backends.items()):
            for region, backend in list(regions.items()):
                for api_id, api in list(backend.apis.items()):
                    for stage in list(api.stages):
                        found[(account_id, region, api_id, stage)] = (backend, api.name)
        return found

    @staticmethod
    def _function_lookup(account_id: str, region: str) -> Callable[[str], Any]:
        def lookup(arn: str) -> Any:
            from moto.awslambda.utils import get_backend

            try:
                return invoked(get_backend(account_id, region), arn)
            except Exception:
                raise GatewayError(500, {"message": "Internal server error"}, f"no function {arn}") from None

        return lookup

    def refresh(self) -> list[dict[str, str]]:
        with self._lock:
            stages = self._stages()
            for key in set(self._served) - set(stages):
                self._served.pop(key).server.shutdown()
            for key, (backend, name) in stages.items():
                if key in self._served:
                    continue
                account_id, region, api_id, stage = key
                app = StageApp(backend, api_id, stage, self._run, self._function_lookup(account_id, region),
                               log=self._log, iam=self._iam)  # fmt: skip
                server = self._server(key, app)
                thread = threading.Thread(target=server.serve_forever, daemon=True, name=f"api-{api_id}-{stage}")
                thread.start()
                url = f"http://{self._host}:{server.server_address[1]}/{stage}"
                self._served[key] = _Served(server, thread, url, name)
            return [
                {"api_id": k[2], "name": s.name, "stage": k[3], "region": k[1], "url": s.url}
                for k, s in sorted(self._served.items())
            ]

    def shutdown(self) -> None:
        with self._lock:
            for served in self._served.values():
                served.server.shutdown()
            self._served.clear()
