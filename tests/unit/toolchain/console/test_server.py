"""The console's HTTP server stops however Ctrl-C finds it."""

from __future__ import annotations

import socket
import threading
from typing import Any

from toolchain.console.server import Console, ConsoleServer


def _console() -> Console:
    nothing: Any = None  # no route is called: only the server's life is under test
    return Console(nothing, nothing, {"environment": "local"})


def _port_is_free(url: str) -> bool:
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_a_server_interrupted_before_its_loop_began_closes_at_once() -> None:
    # GIVEN the URL printed and Ctrl-C arriving before serve_forever ran (a busy machine's window)
    server = ConsoleServer(_console())
    # WHEN the task's clean-up closes it (before the fix this waited forever for a loop never begun)
    server.close()
    # THEN its port is given back
    assert _port_is_free(server.url)


def test_a_server_served_in_the_foreground_closes_after_its_loop_ends() -> None:
    server = ConsoleServer(_console())
    stopped = threading.Event()

    def interrupt_soon() -> None:
        server._http.shutdown()  # what KeyboardInterrupt does to the loop: it returns
        stopped.set()

    threading.Thread(target=interrupt_soon, daemon=True).start()
    server.serve_forever()
    stopped.wait()
    server.close()
    assert _port_is_free(server.url)


def test_a_server_started_in_a_thread_stops_its_thread() -> None:
    server = ConsoleServer(_console()).start()
    server.close()
    assert server._thread is not None and not server._thread.is_alive()
    assert _port_is_free(server.url)
