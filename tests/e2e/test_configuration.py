"""What each deployed function is configured with is exactly what its code reads, and enough of it.

Each service names the variables it reads in its own settings module (`VARIABLES`); Terraform sets a
function's environment. Every variable set must be one its code reads (or one every function gets),
and the settings must parse from what Terraform set.
"""

from __future__ import annotations

import importlib

import pytest

from lambdas.common.settings import PLATFORM_VARIABLES
from toolchain.config import load_config

from .conftest import ROOT, Deployed

pytestmark = pytest.mark.e2e
FUNCTIONS = load_config(ROOT).functions


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
