"""Which source files go into a function's zip, and a check that its handler really exists.

A function's zip holds the package of its handler module, every `__init__.py` above it, and the
shared runtime library, nothing else: no tests, no caches, no other service's code.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

from toolchain.config import FunctionSpec, ProjectConfig
from toolchain.errors import ConfigError
from toolchain.packaging.zipper import Entry

_SKIP_DIRS = {"__pycache__", "tests", ".pytest_cache", ".mypy_cache"}
_SKIP_SUFFIXES = (".pyc", ".pyo", ".DS_Store", "~", ".swp")


def _is_executable(path: Path) -> bool:
    return bool(path.stat().st_mode & 0o111)


def _files_under(directory: Path) -> list[Path]:
    found = []
    for current, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        found += [Path(current, f) for f in files if not f.endswith(_SKIP_SUFFIXES) and not f.startswith(".")]
    return found


def check_handler(config: ProjectConfig, spec: FunctionSpec) -> Path:
    """The handler's module file, after checking it defines the handler (parsed, never imported)."""
    module_file = config.source_root.joinpath(*spec.module.split(".")).with_suffix(".py")
    where = f"function {spec.name!r} (handler {spec.handler!r} in pyproject.toml)"
    if not module_file.is_file():
        raise ConfigError(
            f"{where}: module file {module_file.relative_to(config.root)} does not exist",
            "create the module, or fix the handler path under [tool.platform.functions]",
        )
    try:
        tree = ast.parse(module_file.read_bytes(), filename=str(module_file))
    except SyntaxError as exc:
        raise ConfigError(f"{where}: {module_file.name} line {exc.lineno}: {exc.msg}") from None
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)} | {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    if spec.attribute not in defined:
        raise ConfigError(
            f"{where}: {module_file.relative_to(config.root)} defines no top-level {spec.attribute!r}",
            f"define `def {spec.attribute}(event, context)` there, or fix the handler name",
        )
    return module_file


def function_entries(config: ProjectConfig, spec: FunctionSpec) -> list[Entry]:
    check_handler(config, spec)
    root = config.source_root
    package_dir = root.joinpath(*spec.package.split("."))
    paths = set(_files_under(package_dir))
    for shared in config.shared:
        shared_dir = root / shared
        if not shared_dir.is_dir():
            raise ConfigError(f"[tool.platform] shared directory {shared_dir} does not exist")
        paths.update(_files_under(shared_dir))
    # Every package above the handler's needs its __init__.py to be importable.
    for parent in {*(p.parent for p in paths)}:
        current = parent
        while current != root and root in current.parents:
            init = current / "__init__.py"
            if init.is_file():
                paths.add(init)
            current = current.parent
    return [
        Entry(name=p.relative_to(root).as_posix(), read=p.read_bytes, executable=_is_executable(p))
        for p in sorted(paths)
    ]
