from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT
from toolchain.config import load_config
from toolchain.errors import ConfigError
from toolchain.packaging.sources import function_entries

from .conftest import PYPROJECT, write_project


def names(config, function: str) -> list[str]:
    return [e.name for e in function_entries(config, config.function(function))]


@pytest.mark.documents("packaging.md", "One zip per function")
def test_a_function_zip_holds_its_package_and_the_shared_library(tmp_path: Path) -> None:
    config = write_project(tmp_path)
    (tmp_path / "src/lambdas/services/alpha/__pycache__").mkdir()
    (tmp_path / "src/lambdas/services/alpha/__pycache__/handler.cpython-311.pyc").write_bytes(b"x")
    (tmp_path / "src/lambdas/services/alpha/tests").mkdir()
    (tmp_path / "src/lambdas/services/alpha/tests/test_x.py").write_text("")
    assert names(config, "alpha") == [
        "lambdas/__init__.py",
        "lambdas/common/__init__.py",
        "lambdas/common/util.py",
        "lambdas/services/__init__.py",
        "lambdas/services/alpha/__init__.py",
        "lambdas/services/alpha/handler.py",
        "lambdas/services/alpha/logic.py",
    ]
    assert "lambdas/services/alpha/handler.py" not in names(config, "beta")


@pytest.mark.documents("packaging.md", "One zip per function")
def test_a_missing_handler_module_says_what_to_do(tmp_path: Path) -> None:
    config = write_project(tmp_path)
    (tmp_path / "src/lambdas/services/beta/app.py").unlink()
    with pytest.raises(ConfigError) as caught:
        function_entries(config, config.function("beta"))
    assert "src/lambdas/services/beta/app.py does not exist" in str(caught.value)
    assert "[tool.platform.functions]" in caught.value.hint


def test_a_missing_handler_function_says_what_to_do(tmp_path: Path) -> None:
    config = write_project(tmp_path)
    (tmp_path / "src/lambdas/services/beta/app.py").write_text("def other(event, context):\n    pass\n")
    with pytest.raises(ConfigError, match="defines no top-level 'handle'"):
        function_entries(config, config.function("beta"))


def test_a_syntax_error_in_the_handler_is_reported_with_its_line(tmp_path: Path) -> None:
    config = write_project(tmp_path)
    (tmp_path / "src/lambdas/services/beta/app.py").write_text("def handle(event, context):\n    return (\n")
    with pytest.raises(ConfigError, match="app.py line"):
        function_entries(config, config.function("beta"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('alpha = "lambdas.services.alpha.handler.lambda_handler"', 'Alpha = "x.y.z"'), "must be lowercase"),
        (('alpha = "lambdas.services.alpha.handler.lambda_handler"', 'alpha = "handler"'), "package.module.function"),
        (('python = "3.12"', 'python = "2.7"'), "is not like '3.12'"),
        (('architecture = "x86_64"', 'architecture = "sparc"'), "not one of x86_64, arm64"),
    ],
)
def test_config_errors_are_precise(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    write_project(tmp_path)
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.replace(*change))
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path)


def test_the_repository_config_is_valid_and_every_handler_exists() -> None:
    config = load_config(ROOT)
    for spec in config.functions:
        assert function_entries(config, spec)
