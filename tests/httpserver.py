"""A real HTTP server on localhost for tests: routes are functions of the request path."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Reply = tuple  # (status, content type, body) or (status, content type, body, {header: value})
Route = Callable[[str], Reply]


@contextmanager
def serve(routes: dict[str, Route], delays: dict[str, float] | None = None) -> Iterator[str]:
    """Serve `routes` (longest matching path prefix wins); yields the base URL."""
    delays = delays or {}
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            prefix = max((p for p in routes if self.path.startswith(p)), key=len, default=None)
            if prefix is None:
                status, kind, body = 404, "text/plain", b"not found"
            else:
                time.sleep(delays.get(prefix, 0))
                status, kind, body, *extra = routes[prefix](self.path)
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                for name, value in (extra[0] if prefix is not None and extra else {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout under test)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        serve.hits = hits  # type: ignore[attr-defined]
        yield url
    finally:
        server.shutdown()
        server.server_close()
