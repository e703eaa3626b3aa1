"""The console's web server: its page, and a JSON API over the reader and the actions.

Bound to 127.0.0.1 only, with no login: so that another site open in the same browser cannot use
it either, a request must name this server in its Host header (no DNS rebinding) and an action
(POST) must carry the `X-Console` header, which a cross-site form cannot send and a cross-site
script may not without a CORS answer this server never gives. Errors come back as JSON with a
status and a message saying what to do; a traceback stays in the terminal that runs the console.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import traceback
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from toolchain.console.actions import ConsoleActions, NotFound
from toolchain.console.reader import ConsoleReader, queue_keys
from toolchain.errors import ToolchainError

STATIC = Path(__file__).parent / "static"
ASSETS = {"/": ("index.html", "text/html; charset=utf-8"),
          "/console.js": ("console.js", "text/javascript; charset=utf-8"),
          "/console.css": ("console.css", "text/css; charset=utf-8")}  # fmt: skip
ACTION_HEADER = "X-Console"

Route = Callable[..., Any]


class Console:
    """The routes, apart from HTTP, so that they are plain calls to test."""

    def __init__(self, reader: ConsoleReader, actions: ConsoleActions, about: dict[str, Any],
                 bill: Callable[[], Any] | None = None) -> None:  # fmt: skip
        self.reader = reader
        self.actions = actions
        self.about = about
        self._bill = bill
        self.get: list[tuple[re.Pattern[str], Route]] = [
            (re.compile(r"/api/about"), lambda q: self.about),
            (re.compile(r"/api/functions"), lambda q: self.reader.functions()),
            (re.compile(r"/api/metrics"), lambda q: self.reader.function_metrics()),
            (re.compile(r"/api/alarms"), lambda q: self.reader.alarms()),
            (re.compile(r"/api/alarms/(?P<name>[^/]+)/history"), lambda q, name: self.reader.alarm_history(name)),
            (re.compile(r"/api/queues"), lambda q: self.reader.queues()),
            (re.compile(r"/api/queues/(?P<key>[\w-]+)/messages"), lambda q, key: self._peek(key)),
            (re.compile(r"/api/schedules"), lambda q: self.reader.schedules()),
            (re.compile(r"/api/invocations"), lambda q: self.reader.invocations()),
            (re.compile(r"/api/map"), lambda q: self.reader.map()),
            (re.compile(r"/api/dashboard"), lambda q: self.reader.dashboard()),
            (re.compile(r"/api/bill"), lambda q: self.bill()),
            (
                re.compile(r"/api/traces"),
                lambda q: self.reader.traces(q.get("correlation_id", ""), q.get("trace_id", "")),
            ),
        ]
        self.post: list[tuple[re.Pattern[str], Route]] = [
            (re.compile(r"/api/functions/(?P<key>[\w-]+)/rollback"), lambda q, key: self.actions.rollback(key)),
            (re.compile(r"/api/queues/(?P<key>[\w-]+)/redrive"), lambda q, key: self.actions.redrive(key)),
            (re.compile(r"/api/schedules/(?P<key>[\w-]+)/fire"), lambda q, key: self.actions.fire(key)),
        ]

    def bill(self) -> Any:
        """`invoke cost`'s bill of this environment, as its JSON (measured usage at its traffic)."""
        if self._bill is None:
            raise NotFound("no bill for this console", "the bill is read by `invoke console`")
        return self._bill()

    def _peek(self, key: str) -> Any:
        if key not in queue_keys(self.reader.outputs):
            raise NotFound(f"no queue {key!r} in this environment", "pick one from the list")
        return self.reader.peek(key)

    def answer(self, method: str, path: str, query: dict[str, str]) -> tuple[int, Any]:
        """(status, JSON body) for an API request."""
        for pattern, route in self.get if method == "GET" else self.post:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            try:
                return HTTPStatus.OK, route(query, **{k: unquote(v) for k, v in match.groupdict().items()})
            except NotFound as exc:
                return HTTPStatus.NOT_FOUND, {"error": exc.message, "hint": exc.hint}
            except ToolchainError as exc:
                return HTTPStatus.CONFLICT, {"error": exc.message, "hint": exc.hint}
            except Exception as exc:  # AWS refused, or the console has a bug: said, not shown as a trace
                error = getattr(exc, "response", {}).get("Error", {}) if hasattr(exc, "response") else {}
                if error:
                    refusal = f"{error.get('Code')}: {error.get('Message')}"
                    return HTTPStatus.BAD_GATEWAY, {"error": refusal, "hint": "AWS refused it"}
                traceback.print_exc(file=sys.stderr)
                return HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"{type(exc).__name__}: {exc}",
                                                          "hint": "the console's terminal has the details"}  # fmt: skip
        return HTTPStatus.NOT_FOUND, {"error": f"no such page: {method} {path}", "hint": "open /"}


def _handler(console: Console, allowed_hosts: set[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "platform-console"

        def log_message(self, format: str, *args: Any) -> None:
            return  # the terminal shows what matters (start, errors), not every request

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, value: Any) -> None:
            self._send(status, json.dumps(value, default=str).encode(), "application/json")

        def _host_allowed(self) -> bool:
            if (self.headers.get("Host") or "") in allowed_hosts:
                return True
            self._json(HTTPStatus.FORBIDDEN, {"error": "this console answers only at its own address",
                                              "hint": f"open http://{sorted(allowed_hosts)[0]}/"})  # fmt: skip
            return False

        def do_GET(self) -> None:
            if not self._host_allowed():
                return
            url = urlsplit(self.path)
            if url.path in ASSETS:
                name, content_type = ASSETS[url.path]
                self._send(HTTPStatus.OK, (STATIC / name).read_bytes(), content_type)
                return
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            self._json(*console.answer("GET", url.path, query))

        def do_POST(self) -> None:
            if not self._host_allowed():
                return
            if self.headers.get(ACTION_HEADER) != "1":
                self._json(HTTPStatus.FORBIDDEN, {"error": f"an action needs the {ACTION_HEADER} header",
                                                  "hint": "use the console's page"})  # fmt: skip
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(min(length, 65536))
            self._json(*console.answer("POST", urlsplit(self.path).path, {}))

    return Handler


class ConsoleServer:
    """The console served on 127.0.0.1 (port 0: any free one) until `close`."""

    def __init__(self, console: Console, port: int = 0) -> None:
        self._http = ThreadingHTTPServer(("127.0.0.1", port), BaseHTTPRequestHandler)
        self._http.daemon_threads = True
        bound = self._http.server_address[1]
        self.url = f"http://127.0.0.1:{bound}/"
        self._http.RequestHandlerClass = _handler(console, {f"127.0.0.1:{bound}", f"localhost:{bound}"})
        self._thread: threading.Thread | None = None

    def start(self) -> ConsoleServer:
        self._thread = threading.Thread(target=self._http.serve_forever, name="console", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._http.serve_forever()

    def close(self) -> None:
        # Only a started thread's loop needs shutdown(): served in the foreground, its loop has
        # returned by now, and one that never began (Ctrl-C between the URL printed and the loop)
        # would leave shutdown() waiting forever for it to end.
        if self._thread is not None:
            self._http.shutdown()
            self._thread.join()
        self._http.server_close()
