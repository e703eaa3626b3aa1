"""A function's configuration changed and released as an operator would: a version published and the
`live` alias (what every trigger invokes) moved to it; undone afterwards so Terraform sees nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from toolchain.deploy.release import ALIAS

from .conftest import Deployed


@contextmanager
def released(deployed: Deployed, function_name: str, **configuration: Any) -> Iterator[str]:
    client = deployed.client("lambda")
    before = client.get_function_configuration(FunctionName=function_name)
    live = client.get_alias(FunctionName=function_name, Name=ALIAS)
    client.update_function_configuration(FunctionName=function_name, **configuration)
    version = str(client.publish_version(FunctionName=function_name)["Version"])
    client.update_alias(FunctionName=function_name, Name=ALIAS, FunctionVersion=version)
    try:
        yield version
    finally:
        client.update_alias(FunctionName=function_name, Name=ALIAS, FunctionVersion=live["FunctionVersion"],
                            Description=live.get("Description", ""))  # fmt: skip
        client.delete_function(FunctionName=function_name, Qualifier=version)
        client.update_function_configuration(FunctionName=function_name, **{k: before[k] for k in configuration})
