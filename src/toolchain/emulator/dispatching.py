"""How the emulator's HTTP server finds the moto service of each request."""

from __future__ import annotations

from typing import Any


def modules_listed_once(original: Any, emulator: Any) -> Any:
    """moto.backends.list_of_moto_modules: moto's dispatcher lists its package directory (a listdir and
    some 150 isdir calls) for every request, holding the lock every request thread needs; under load
    that was the longest wait in the emulator. The installed services do not change while it runs."""
    listed: tuple[str, ...] = ()

    def list_of_moto_modules() -> tuple[str, ...]:
        nonlocal listed
        if not listed:
            listed = tuple(original())
        return listed

    return list_of_moto_modules


def errors_only_handler() -> type:
    """moto's request handler with an access log of refused and failed requests only: a line per
    successful call was 99.9% of server.log (burying the denials it exists to explain) and, under
    load, a lock that every request thread queued on."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class ErrorsOnlyRequestHandler(MotoRequestHandler):
        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            status = str(getattr(code, "value", code))
            if status.isdigit() and int(status) < 400:
                return
            # werkzeug's own line is colour-coded for a terminal; this log is a file
            self.log("info", '"%s" %s %s', self.requestline, status, size)

    return ErrorsOnlyRequestHandler
