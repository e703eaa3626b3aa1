"""SQS queue attributes as AWS writes them."""

from __future__ import annotations

import json
from typing import Any


def compact_redrive_policy(original: Any, emulator: Any) -> Any:
    """Queue.attributes: RedrivePolicy as compact JSON, as SQS returns it; moto added spaces, which the
    aws provider 3.39 reported as a change on every plan."""

    def attributes(self: Any) -> dict[str, Any]:
        result = original.fget(self)
        if self.redrive_policy:
            result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
        return result

    return property(attributes)
