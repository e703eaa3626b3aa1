"""Which version an invocation runs: an alias resolved as Lambda resolves it, weights included.

moto resolves an alias to its primary version wherever it is asked, and keeps an alias's
RoutingConfig without applying it. Lambda draws, for every invocation of a weighted alias, the
additional version with its weight and the primary version otherwise; that draw is what makes a
canary a canary. Every trigger the emulator delivers (the Invoke API, API Gateway, S3, SNS, queue
and stream mappings, schedules, Step Functions through the Invoke API) asks `invoked` here; the
management API (GetFunction with an alias) keeps moto's answer, the primary version, as on AWS.

The version an alias invocation runs is a shallow copy of moto's version carrying the alias it came
through: the metrics' Resource and ExecutedVersion dimensions and the context's invoked ARN read it.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

Draw = Callable[[], float]


def name_and_qualifier(name_or_arn: str, qualifier: str | None) -> tuple[str, str | None]:
    name = name_or_arn.split(":function:", 1)[1] if ":function:" in name_or_arn else name_or_arn
    name, _, in_name = name.partition(":")
    return name, (in_name or qualifier or None)


def weights(alias: Any) -> dict[str, float]:
    """The alias's additional versions and their shares of the traffic (AdditionalVersionWeights)."""
    config = alias.routing_config or {}
    return {str(v): float(w) for v, w in (config.get("AdditionalVersionWeights") or {}).items()}


def pick(primary: str, additional: dict[str, float], draw: float) -> str:
    """The version a draw in [0, 1) lands on: each additional version over its weight, the primary after."""
    edge = 0.0
    for version, weight in sorted(additional.items()):
        edge += weight
        if draw < edge:
            return version
    return primary


def invoked(backend: Any, name_or_arn: str, qualifier: str | None = None, draw: Draw = random.random) -> Any:
    """The function version an invocation of `name_or_arn` (a name or ARN, qualified or not) runs."""
    name, alias_name = name_and_qualifier(name_or_arn, qualifier)
    if alias_name is None or alias_name.isdigit() or alias_name.upper() == "$LATEST":
        return backend.get_function(name_or_arn, qualifier)
    alias = backend.get_alias(alias_name, name)  # UnknownAliasException (404) when there is none, as on AWS
    version = pick(str(alias.function_version), weights(alias), draw())
    runs = copy.copy(backend.get_function(name, version))
    runs.invoked_alias = alias.name
    runs.invoked_arn = alias.arn
    return runs


def keep_the_alias(backend: Any, esm: Any, spec: dict[str, Any]) -> None:
    """A mapping on an alias invokes whatever version the alias names at the time, as Lambda's does;
    moto would keep the version it pointed to when the mapping was made."""
    _, qualifier = name_and_qualifier(str(spec.get("FunctionName") or ""), None)
    if not qualifier or qualifier.isdigit() or qualifier == "$LATEST":
        return
    unqualified = backend.get_function(esm.function_arn).function_arn.rsplit(":", 1)
    base = unqualified[0] if unqualified[1].isdigit() else ":".join(unqualified)
    esm.function_arn = f"{base}:{qualifier}"


def resource(fn: Any) -> str | None:
    """The metrics' Resource dimension of an invocation: `name:alias` or `name:version`; None for $LATEST."""
    alias = getattr(fn, "invoked_alias", None)
    if alias:
        return f"{fn.function_name}:{alias}"
    version = str(fn.version)
    return None if version.upper() == "$LATEST" else f"{fn.function_name}:{version}"


class AliasInvocations:
    """Mixin for moto's LambdaBackend: the Invoke API runs the version `invoked` draws (weights applied)."""

    def invoke(self, function_name: str, qualifier: str | None, body: Any, headers: Any,
               response_headers: Any) -> str | bytes | None:  # fmt: skip
        payload = invoked(self, function_name, qualifier).invoke(body, headers, response_headers)
        response_headers["Content-Length"] = str(len(payload))
        return payload


def qualifier_param(original: Any, emulator: Any) -> Any:
    """LambdaResponse._get_param: Invoke's `Qualifier` read under the name the request carries it by
    (moto asked for `qualifier`, found nothing, and ran $LATEST for every qualified invocation)."""

    def _get_param(self: Any, name: str, if_none: Any = None) -> Any:
        if name == "qualifier":  # only Invoke asks for it so
            return original(self, "Qualifier", None) or original(self, name, if_none)
        return original(self, name, if_none)

    return _get_param
