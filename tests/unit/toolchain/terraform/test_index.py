"""infra/functions_index.tf: derived from the module calls in infra/*.tf, never hand-kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT
from toolchain.config import load_config
from toolchain.errors import ConfigError
from toolchain.terraform.index import INDEX_FILE, function_modules, refresh_index, render_index

FUNCTIONS = [f.name for f in load_config(ROOT).functions]


def test_the_committed_index_is_current() -> None:
    assert (ROOT / "infra" / INDEX_FILE).read_text() == render_index(ROOT / "infra", FUNCTIONS)


def test_every_declared_function_has_a_module() -> None:
    single, repeated = function_modules(ROOT / "infra")
    workflow_steps = {f for f in FUNCTIONS if f.startswith("workflow-")}
    assert set(single) == set(FUNCTIONS) - workflow_steps
    assert repeated == ["workflow_steps"]
    assert single["order-stream"] == "orders"  # the address kept from before the rename


def test_a_new_module_call_is_indexed_and_a_missing_one_named(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    (infra).mkdir()
    (infra / "probe.tf").write_text(
        'module "probe" {\n  source = "./modules/lambda_function"\n\n  artifact = local.artifacts["probe"]\n}\n'
    )
    assert refresh_index(infra, ["probe"]) is True
    assert '"probe" = module.probe' in (infra / INDEX_FILE).read_text()
    assert refresh_index(infra, ["probe"]) is False
    with pytest.raises(ConfigError, match="no module in infra/ deploys function\\(s\\) other"):
        render_index(infra, ["probe", "other"])


def test_modules_of_other_kinds_are_not_functions(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    shutil.copytree(ROOT / "infra", infra)
    single, _ = function_modules(infra)
    assert "work_queue" not in single.values() and "order_workflow" not in single.values()
