"""SQS keeps the trace a message was sent in, as its `AWSTraceHeader` system attribute (the poller
hands it on to the invocation, so a trace crosses the queue as it does on AWS)."""

from __future__ import annotations

from typing import Any

from toolchain.emulator.xray.segments import current


class MessagesKeepTheirTrace:
    """Mixin for moto's SQSBackend."""

    def send_message(self, *args: Any, system_attributes: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        header = current.get()
        if header is not None and not (system_attributes or {}).get("AWSTraceHeader"):
            system_attributes = {**(system_attributes or {}),
                                 "AWSTraceHeader": {"DataType": "String", "StringValue": str(header)}}  # fmt: skip
        return super().send_message(*args, system_attributes=system_attributes, **kwargs)  # type: ignore[misc]
