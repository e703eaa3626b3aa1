"""Step Functions' input limit (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html)."""

from __future__ import annotations

from typing import Any

MAX_INPUT_BYTES = 256 * 1024


def input_within_limit(original: Any, emulator: Any) -> Any:
    """StepFunctionResponse.start_execution: an input over 256 KiB (UTF-8) is a ValidationException."""
    from moto.stepfunctions.exceptions import ValidationException

    def start_execution(self: Any) -> Any:
        given = self._get_param("input")
        if isinstance(given, str) and len(given.encode("utf-8", "surrogatepass")) > MAX_INPUT_BYTES:
            raise ValidationException(
                "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have "
                f"length less than or equal to {MAX_INPUT_BYTES}"
            )
        return original(self)

    return start_execution
