"""The emulator's running parts, as the moto changes that need them see them (`self.emulator` in a
backend mixin, the `emulator` argument of a patch's replacement). Built by server.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from toolchain.emulator.awslambda.executor import FunctionExecutor, Invocation
    from toolchain.emulator.awslambda.invocations import AsyncInvoker, InvocationLog
    from toolchain.emulator.event_sources.dynamodb import DynamoStreamPoller
    from toolchain.emulator.iam.enforcement import Authorisations
    from toolchain.emulator.xray.segments import TraceStore


@dataclass
class Parts:
    executor: FunctionExecutor
    invoker: AsyncInvoker
    history: InvocationLog
    traces: TraceStore
    dynamodb_streams: DynamoStreamPoller
    log: Callable[[str], None]
    iam: Authorisations

    def run(self, fn: Any, event: str) -> Invocation:
        """Run one invocation of a moto function version in a worker (its layers read from moto)."""
        return self.executor.invoke(fn, event, layer_source(fn))


def layer_source(fn: Any) -> Callable[[str], tuple[bytes, str]]:
    """The code (bytes, sha256) of a layer version of `fn`'s account and region, by ARN."""
    from moto.awslambda.utils import get_backend

    def layers(arn: str) -> tuple[bytes, str]:
        version = get_backend(fn.account_id, fn.region).layers_versions_by_arn(arn)
        return version.code_bytes, version.code_digest

    return layers
