"""Provisioned concurrency on the emulator: Lambda's API for it (which moto lacks), and environments
really initialised ahead of the first request, following the alias when a release moves it."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest

from toolchain.emulator.clients import emulator_client

from .emulated import behind_live, code_zip

pytestmark = pytest.mark.usefixtures("control")


@pytest.fixture
def aliased(clients: dict[str, Any], role: str, layer_arn: str) -> str:
    return behind_live(clients["lambda"], role, layer_arn, "provisioned")


def _report(lam: Any, name: str) -> str:
    answer = lam.invoke(FunctionName=name, Qualifier="live", Payload=b"{}", LogType="Tail")
    (report,) = [
        line for line in base64.b64decode(answer["LogResult"]).decode().splitlines() if line.startswith("REPORT")
    ]
    return report


@pytest.mark.documents("emulator.md", "Provisioned concurrency")
def test_a_provisioned_alias_answers_its_first_request_from_an_initialised_environment(
    emulator: str, aliased: str
) -> None:
    lam = emulator_client("lambda", emulator)
    # GIVEN a cold function: its first request pays the init
    assert "Init Duration" in _report(lam, aliased)
    # WHEN the alias gets provisioned concurrency, and then a new version
    config = lam.put_provisioned_concurrency_config(FunctionName=aliased, Qualifier="live",
                                                    ProvisionedConcurrentExecutions=2)  # fmt: skip
    assert (config["Status"], config["AllocatedProvisionedConcurrentExecutions"]) == ("READY", 2)
    version = lam.update_function_code(FunctionName=aliased, ZipFile=code_zip("2"), Publish=True)["Version"]
    lam.update_alias(FunctionName=aliased, Name="live", FunctionVersion=version)
    time.sleep(4)  # the emulator's clock follows the alias every 2 s
    # THEN the new version's first request finds its environment initialised already
    assert "Init Duration" not in _report(lam, aliased)
    listed = lam.list_provisioned_concurrency_configs(FunctionName=aliased)["ProvisionedConcurrencyConfigs"]
    assert [(c["FunctionArn"].rsplit(":", 1)[1], c["Status"]) for c in listed] == [("live", "READY")]
    # AND once deleted there is none, as Lambda says it
    lam.delete_provisioned_concurrency_config(FunctionName=aliased, Qualifier="live")
    with pytest.raises(lam.exceptions.ProvisionedConcurrencyConfigNotFoundException):
        lam.get_provisioned_concurrency_config(FunctionName=aliased, Qualifier="live")


@pytest.mark.documents("emulator.md", "Provisioned concurrency")
def test_what_lambda_refuses_is_refused_with_its_errors(emulator: str, aliased: str) -> None:
    lam = emulator_client("lambda", emulator)
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.put_provisioned_concurrency_config(FunctionName=aliased, Qualifier="$LATEST",
                                               ProvisionedConcurrentExecutions=1)  # fmt: skip
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.put_provisioned_concurrency_config(FunctionName=aliased, Qualifier="nosuch",
                                               ProvisionedConcurrentExecutions=1)  # fmt: skip
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_provisioned_concurrency_config(FunctionName="no-such-function", Qualifier="live")
    with pytest.raises(lam.exceptions.ProvisionedConcurrencyConfigNotFoundException):
        lam.get_provisioned_concurrency_config(FunctionName=aliased, Qualifier="live")
