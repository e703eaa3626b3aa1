"""The project's build configuration: `[tool.platform]` in pyproject.toml, parsed and checked once."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolchain.errors import ConfigError

ARCHITECTURES = ("x86_64", "arm64")
_FUNCTION_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
_PYTHON = re.compile(r"^3\.(\d{1,2})$")


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    handler: str

    @property
    def module(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def attribute(self) -> str:
        return self.handler.rsplit(".", 1)[1]

    @property
    def package(self) -> str:
        """The package holding the handler module: the function's own code."""
        return self.module.rsplit(".", 1)[0]


@dataclass(frozen=True)
class LayerSpec:
    requirements: Path
    provided: tuple[str, ...]


@dataclass(frozen=True)
class ProjectConfig:
    root: Path
    python: str
    architecture: str
    source_root: Path
    shared: tuple[str, ...]
    layer: LayerSpec
    functions: tuple[FunctionSpec, ...]
    # PLATFORM_BUILD_DIR moves it (tests use that to get an emulator and artifacts of their own).
    build_dir: Path

    @property
    def infra_dir(self) -> Path:
        return self.root / "infra"

    def shown(self, path: Path) -> str:
        """A path as a person reads it: relative to the checkout when inside it."""
        return path.relative_to(self.root).as_posix() if path.is_relative_to(self.root) else str(path)

    def function(self, name: str) -> FunctionSpec:
        for spec in self.functions:
            if spec.name == name:
                return spec
        known = ", ".join(f.name for f in self.functions)
        raise ConfigError(f"no function named {name!r}", f"known functions: {known}")


def check_python(version: str, where: str) -> str:
    match = _PYTHON.match(version)
    if not match or int(match.group(1)) < 8:
        raise ConfigError(f"{where}: python version {version!r} is not like '3.12'")
    return version


def check_architecture(architecture: str, where: str) -> str:
    if architecture not in ARCHITECTURES:
        raise ConfigError(f"{where}: architecture {architecture!r} is not one of {', '.join(ARCHITECTURES)}")
    return architecture


def _table(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ConfigError(f"pyproject.toml: [{where}] is missing or not a table")
    return data


def load_config(root: Path) -> ProjectConfig:
    pyproject = root / "pyproject.toml"
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{pyproject} not found", "run the task from the project's root directory") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject} is not valid TOML: {exc}") from None
    platform = _table(data.get("tool", {}).get("platform"), "tool.platform")
    layer = _table(platform.get("layer"), "tool.platform.layer")
    functions = _table(platform.get("functions"), "tool.platform.functions")
    if not functions:
        raise ConfigError("pyproject.toml: [tool.platform.functions] declares no function")

    specs = []
    for name, handler in sorted(functions.items()):
        if not _FUNCTION_NAME.match(name):
            raise ConfigError(f"function name {name!r} must be lowercase letters, digits, '-' or '_'")
        if not isinstance(handler, str) or not _DOTTED.match(handler) or handler.count(".") < 2:
            raise ConfigError(f"function {name!r}: handler {handler!r} must look like 'package.module.function'")
        specs.append(FunctionSpec(name=name, handler=handler))

    provided = layer.get("provided", [])
    if not isinstance(provided, list) or not all(isinstance(p, str) for p in provided):
        raise ConfigError("[tool.platform.layer] provided must be a list of package names")

    return ProjectConfig(
        root=root,
        python=check_python(str(platform.get("python", "3.12")), "[tool.platform] python"),
        architecture=check_architecture(str(platform.get("architecture", "x86_64")), "[tool.platform] architecture"),
        source_root=root / str(platform.get("source_root", "src")),
        shared=tuple(str(s) for s in platform.get("shared", [])),
        layer=LayerSpec(
            requirements=root / str(layer.get("requirements", "requirements/layer.txt")),
            provided=tuple(sorted(provided)),
        ),
        functions=tuple(specs),
        build_dir=Path(os.environ.get("PLATFORM_BUILD_DIR") or root / "build"),
    )
