"""Weighted aliases on the emulator: each invocation of an alias draws its version with the alias's
weights, as Lambda does, and the metrics say which version ran (Resource, ExecutedVersion)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from tests.metrics import metric_sum
from toolchain.emulator.clients import emulator_client

from .emulated import behind_live, code_zip

pytestmark = pytest.mark.usefixtures("control")


@pytest.fixture
def weighted(clients: dict[str, Any], role: str, layer_arn: str) -> str:
    """A function whose `live` alias runs version 1 and sends 30% of the traffic to version 2."""
    lam = clients["lambda"]
    name = behind_live(lam, role, layer_arn, "weighted")
    lam.update_function_code(FunctionName=name, ZipFile=code_zip("2"), Publish=True)
    lam.update_alias(FunctionName=name, Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}})
    return name


def _executed(cloudwatch: Any, name: str, version: str) -> float:
    return metric_sum(cloudwatch, "AWS/Lambda", "Invocations",
                      {"FunctionName": name, "Resource": f"{name}:live", "ExecutedVersion": version})  # fmt: skip


@pytest.mark.documents("emulator.md", "Versions, aliases, weights")
def test_each_invocation_of_a_weighted_alias_draws_its_version_and_the_metrics_say_which(
    emulator: str, weighted: str
) -> None:
    lam = emulator_client("lambda", emulator)
    # WHEN the alias is invoked 300 times
    ran = [json.loads(lam.invoke(FunctionName=weighted, Qualifier="live", Payload=b"{}")["Payload"].read())["version"]
           for _ in range(300)]  # fmt: skip
    # THEN about 30% ran version 2: within 4.5 standard deviations of a binomial(300, 0.3)
    mean, deviation = 300 * 0.3, math.sqrt(300 * 0.3 * 0.7)
    assert abs(ran.count("2") - mean) <= 4.5 * deviation, ran.count("2")
    assert set(ran) == {"1", "2"}
    # AND the per-version metrics of the alias count exactly what ran
    cloudwatch = emulator_client("cloudwatch", emulator)
    assert (_executed(cloudwatch, weighted, "1"), _executed(cloudwatch, weighted, "2")) == (
        ran.count("1"),
        ran.count("2"),
    )
    # AND the management API still answers with the primary version, as Lambda does
    assert lam.get_function(FunctionName=weighted, Qualifier="live")["Configuration"]["Version"] == "1"


@pytest.mark.documents("emulator.md", "Versions, aliases, weights")
def test_an_alias_without_weights_and_a_version_invoke_run_exactly_that_version(emulator: str, weighted: str) -> None:
    lam = emulator_client("lambda", emulator)
    lam.update_alias(
        FunctionName=weighted, Name="live", FunctionVersion="2", RoutingConfig={"AdditionalVersionWeights": {}}
    )
    through_alias = {json.loads(lam.invoke(FunctionName=f"{weighted}:live", Payload=b"{}")["Payload"].read())["version"]
                     for _ in range(20)}  # fmt: skip
    answer = lam.invoke(FunctionName=weighted, Qualifier="1", Payload=b"{}")
    by_version = json.loads(answer["Payload"].read())
    assert (through_alias, by_version["version"], answer["ExecutedVersion"]) == ({"2"}, "1", "1")
    # an alias that does not exist is Lambda's 404, not a run of something else
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName=weighted, Qualifier="nosuchalias", Payload=b"{}")
