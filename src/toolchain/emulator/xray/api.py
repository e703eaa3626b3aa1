"""X-Ray's own API on the emulator's port, over the emulator's `TraceStore`, and traces carried into
every request the emulator serves.

- PutTraceSegments (the functions' SDK sends to the daemon, tools to the API), GetTraceSummaries and
  BatchGetTraces read and write the store (queries.py answers the reading side), so the AWS CLI,
  boto3 and `invoke traces` read local traces as they read X-Ray's.
- An API call that carries `X-Amzn-Trace-Id` (the X-Ray SDK adds it to every boto call it traces) is
  served inside that trace: what it starts (an invocation, a notification) joins it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from toolchain.emulator.xray import queries
from toolchain.emulator.xray.segments import HTTP_HEADER, TraceHeader, continuing

_WSGI_HEADER = "HTTP_" + HTTP_HEADER.upper().replace("-", "_")


def traced_app(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """A WSGI app that serves each request inside the trace its header names."""

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        header = TraceHeader.parse(environ.get(_WSGI_HEADER))
        with continuing(header):
            return list(app(environ, start_response))

    return serve


class TraceStoreApi:
    """Mixin for moto's XRayBackend: its segments kept and answered from the emulator's TraceStore."""

    emulator: Any

    def process_segment(self, doc: Any) -> None:
        import json

        from moto.xray.exceptions import BadSegmentException

        try:
            self.emulator.traces.put(json.loads(doc))
        except ValueError as exc:
            raise BadSegmentException(code="InvalidSegment", message=str(exc)) from exc

    def get_trace_summary(self, start_time: Any, end_time: Any, filter_expression: Any) -> dict[str, Any]:
        from moto.core.exceptions import AWSError

        try:
            return queries.trace_summaries(self.emulator.traces, start_time.timestamp(), end_time.timestamp(),
                                                 filter_expression)  # fmt: skip
        except queries.UnsupportedFilter as exc:
            raise AWSError(str(exc), "InvalidRequestException", 400) from exc

    def get_trace_ids(self, trace_ids: list[str]) -> dict[str, Any]:
        return queries.batch_get_traces(self.emulator.traces, [str(t) for t in trace_ids])
