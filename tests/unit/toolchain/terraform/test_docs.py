"""Each module README's inputs and outputs are its variables.tf and outputs.tf, not a drifting copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT
from toolchain.terraform.docs import BEGIN, rendered_readme

MODULES = sorted(
    p for p in [*(ROOT / "infra/modules").iterdir(), ROOT / "infra/bootstrap"] if (p / "variables.tf").is_file()
)


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.name)
def test_the_readme_lists_exactly_the_modules_variables_and_outputs(module: Path) -> None:
    readme = (module / "README.md").read_text()
    assert BEGIN in readme
    assert readme == rendered_readme(module), f"run `invoke tf.docs` ({module.name})"


def test_a_new_variable_makes_the_readme_stale(tmp_path: Path) -> None:
    module = tmp_path / "m"
    module.mkdir()
    (module / "variables.tf").write_text('variable "a" {\n  description = "A."\n  type        = string\n}\n')
    (module / "README.md").write_text("# m\n")
    (module / "README.md").write_text(rendered_readme(module))
    assert "| `a` | yes | A. |" in (module / "README.md").read_text()
    (module / "variables.tf").write_text(
        (module / "variables.tf").read_text() + 'variable "b" {\n  description = "B."\n  default     = 1\n}\n'
    )
    assert rendered_readme(module) != (module / "README.md").read_text()
    assert "| `b` | no | B. |" in rendered_readme(module)
