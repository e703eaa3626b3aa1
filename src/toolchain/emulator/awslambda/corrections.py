"""Lambda's management API where moto answers otherwise: the event invoke configuration is replaced
by a put, and a function's copies are shallow."""

from __future__ import annotations

import copy
from typing import Any


class EventInvokeConfigs:
    """Mixin for moto's LambdaBackend: PutFunctionEventInvokeConfig replaces the function's
    configuration, as AWS does; moto appended, and kept answering with the first."""

    def put_function_event_invoke_config(self, function_name: str, config: dict[str, Any]) -> dict[str, Any]:
        self.get_function(function_name).event_invoke_config = []  # type: ignore[attr-defined]
        return super().put_function_event_invoke_config(function_name, config)  # type: ignore[misc]


def shallow_copies(original: Any, emulator: Any) -> Any:
    """LambdaFunction.__deepcopy__: moto deep-copies a function to answer CreateFunction (with Publish)
    and ListFunctions, only to set one attribute on the copy. Under Terraform's parallel creates the
    deep copy walked state another request was changing ("dictionary changed size during iteration"):
    a 500, retried by the provider into "Function already exist" (409) and a failed apply."""
    return lambda self, memo: copy.copy(self)
