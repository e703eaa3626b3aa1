"""A debugger as an IDE attaches one: the few Debug Adapter Protocol requests that make debugpy go on."""

from __future__ import annotations

import json
import socket
import time


def attach(port: int, *, timeout: float = 60.0) -> socket.socket:
    """Connect to a debugpy listening on `port` and attach (initialize, attach, configurationDone), as
    VS Code's "request": "attach" does; the socket stays open, as an IDE's session does."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    for seq, (command, arguments) in enumerate(
        [("initialize", {"adapterID": "tests", "clientID": "tests"}), ("attach", {"justMyCode": True}),
         ("configurationDone", {})], start=1,
    ):  # fmt: skip
        body = json.dumps({"seq": seq, "type": "request", "command": command, "arguments": arguments}).encode()
        connection.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    return connection
