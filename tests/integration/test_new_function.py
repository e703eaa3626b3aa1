"""`invoke new` in a copy of this checkout: for every trigger, what it writes is lint-clean, its
generated tests pass, Terraform validates it and indexes it; and its refusals say what to do."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.checkout import copy_checkout, run
from toolchain.scaffold import TRIGGERS

NAMES = {trigger: f"probe-{trigger}" for trigger in TRIGGERS}


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = copy_checkout(tmp_path_factory.mktemp("checkout"))
    for trigger, name in NAMES.items():
        run(copy, sys.executable, "-m", "invoke", "new", name, "--trigger", trigger)
    return copy


def test_each_trigger_writes_a_complete_function(checkout: Path) -> None:
    for trigger, name in NAMES.items():
        package = name.replace("-", "_")
        service = checkout / "src/lambdas/services" / package
        assert {p.name for p in service.iterdir()} >= {"handler.py", "service.py", "settings.py", "__init__.py"}
        assert (
            f'{name} = "lambdas.services.{package}.handler.lambda_handler"' in (checkout / "pyproject.toml").read_text()
        )
        assert f'module "{package}"' in (checkout / f"infra/{package}.tf").read_text()
        assert (checkout / f"events/{name}.json").is_file()
        assert re.search(rf'"{name}" +\= module\.{package}\n', (checkout / "infra/functions_index.tf").read_text()), (
            trigger
        )
        handler_lines = len((service / "handler.py").read_text().splitlines())
        assert handler_lines <= 80, (trigger, handler_lines)
    assert re.search(
        r'"GET /probe-api" +\= \{ function_name = module\.probe_api\.function_name',
        (checkout / "infra/http.tf").read_text(),
    )


def test_what_it_writes_is_lint_clean_and_formatted(checkout: Path) -> None:
    run(checkout, sys.executable, "-m", "ruff", "check", "src", "tests")
    run(checkout, sys.executable, "-m", "ruff", "format", "--check", "src", "tests")
    run(checkout, sys.executable, "-m", "invoke", "tf.fmt", "--check")


def test_its_generated_tests_and_the_whole_unit_suite_pass(checkout: Path) -> None:
    # the whole unit suite: suite-wide checks (every service's settings, every pattern) see it too
    tests = ["tests/unit"] + [f"tests/integration/test_{n.replace('-', '_')}_handler.py" for n in NAMES.values()]
    result = run(checkout, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests)
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_terraform_validates_it(checkout: Path) -> None:
    result = run(checkout, sys.executable, "-m", "invoke", "tf.validate")
    assert result.stdout.count("Success! The configuration is valid.") == 2


def test_the_packager_builds_it(checkout: Path) -> None:
    result = run(checkout, sys.executable, "-m", "invoke", "package")
    for name in NAMES.values():
        assert f"built      function {name}" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("new", "probe-x", "--trigger", "ftp"),
            "error: no trigger 'ftp'\n  -> use one of: api, s3, sqs, sns, schedule",
        ),
        (("new", "Probe", "--trigger", "sqs"), "error: 'Probe' is not a function name"),
        (("new", "users", "--trigger", "sqs"), "error: users exists already: pyproject.toml declares users"),
    ],
)
def test_refusals_say_what_to_do(checkout: Path, args: tuple[str, ...], message: str) -> None:
    result = run(checkout, sys.executable, "-m", "invoke", *args, check=False)
    assert result.returncode == 1
    assert message in result.stderr
