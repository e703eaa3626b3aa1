"""What each deployed function is configured with is exactly what its code reads, and enough of it.

Each service names the variables it reads in its own settings module (`VARIABLES`); Terraform sets a
function's environment. Every variable set must be one its code reads (or one every function gets),
and the settings must parse from what Terraform set.
"""

from __future__ import annotations

import importlib
import json

import pytest

from lambdas.common.settings import PLATFORM_VARIABLES
from toolchain.config import load_config

from .conftest import ROOT, Deployed

pytestmark = pytest.mark.e2e
FUNCTIONS = load_config(ROOT).functions


@pytest.mark.documents("environments.md", "Per-environment values")
@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.name)
def test_every_function_gets_the_settings_its_code_reads_and_nothing_else(deployed: Deployed, spec) -> None:
    settings = importlib.import_module(f"{spec.package}.settings")
    name = deployed.outputs()["functions"][spec.name]["function_name"]
    config = deployed.client("lambda").get_function_configuration(FunctionName=name)
    environment = config.get("Environment", {}).get("Variables", {})
    assert set(environment) - set(PLATFORM_VARIABLES) <= set(settings.VARIABLES), spec.name
    parse = getattr(settings, "current", None)
    if parse is not None:
        parse.__wrapped__(environment)  # the service's from_env, from exactly this environment


@pytest.mark.documents("observability.md", "Alarms", "Dashboard")
@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda spec: spec.name)
def test_every_declared_function_is_deployed_with_its_alarms_dashboard_and_outputs(deployed: Deployed, spec) -> None:
    # pyproject.toml is the one list of functions: Terraform finds them through the generated index,
    # so one missing from the outputs, the alarms or the dashboard is a function deployed blind
    outputs = deployed.outputs()
    function = outputs["functions"].get(spec.name)
    assert function is not None, f"{spec.name} has no entry in the functions output"
    assert {"function_name", "log_group_name", "source_code_hash"} <= set(function)
    cloudwatch = deployed.client("cloudwatch")
    alarms = cloudwatch.describe_alarms(AlarmNames=[f"{function['function_name']}-{kind}"
                                                    for kind in ("errors", "throttles", "near-timeout")])  # fmt: skip
    assert {a["MetricName"] for a in alarms["MetricAlarms"]} == {"Errors", "Throttles", "Duration"}
    assert all(a["Dimensions"] == [{"Name": "FunctionName", "Value": function["function_name"]}]
               for a in alarms["MetricAlarms"])  # fmt: skip
    assert {a["AlarmName"] for a in alarms["MetricAlarms"]} <= set(outputs["alarm_names"])
    dashboard = json.loads(cloudwatch.get_dashboard(DashboardName="platform-local-platform")["DashboardBody"])
    widgets = [w for w in dashboard["widgets"] if function["function_name"] in json.dumps(w.get("properties", {}))]
    assert widgets, f"{spec.name} has no widget on the dashboard"
