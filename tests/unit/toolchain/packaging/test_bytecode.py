"""Byte code in the archives: made by the target's interpreter, loaded instead of compiling, named
where Lambda keeps the files, byte-identical across builds, and never at the cost of a failed build."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from toolchain.config import load_config
from toolchain.errors import ToolchainError
from toolchain.packaging.builder import Packager
from toolchain.packaging.bytecode import InterpreterCompiler, pyc_name
from toolchain.packaging.runtimes import Runtime
from toolchain.packaging.wheels import WheelCache
from toolchain.reporting import RecordingReporter

from .conftest import FakePip, make_wheel, write_project

# The target is this interpreter's version, so its byte code is the target's (as the toolchain requires).
HERE = Runtime.on_lambda(f"{sys.version_info.major}.{sys.version_info.minor}", "x86_64")


@pytest.fixture(scope="module")
def compiler() -> InterpreterCompiler:
    return InterpreterCompiler.probe(Path(sys.executable))


def build(root: Path, index: Path, compiler: InterpreterCompiler | None) -> Path:
    if not (root / "pyproject.toml").exists():
        write_project(root)
        (root / "requirements/layer.txt").write_text("tinylib==1.0\n")  # pure Python: any target version
    packager = Packager(load_config(root), HERE, root / "build", wheels=WheelCache(root / "cache", FakePip(index),
                        RecordingReporter()), reporter=RecordingReporter(), compiler=compiler)  # fmt: skip
    packager.build()
    return root / "build"


def test_the_probe_names_the_interpreter_and_its_cache_tag(compiler: InterpreterCompiler) -> None:
    assert compiler.version == ".".join(str(part) for part in sys.version_info[:3])
    assert compiler.cache_tag() == sys.implementation.cache_tag
    assert pyc_name("a/b/mod.py", "cpython-312") == "a/b/__pycache__/mod.cpython-312.pyc"
    assert pyc_name("top.py", "cpython-312") == "__pycache__/top.cpython-312.pyc"


@pytest.mark.documents("packaging.md", "Byte code for the target Python")
def test_every_source_gets_byte_code_and_builds_stay_byte_identical(
    tmp_path: Path, wheel_index: Path, compiler: InterpreterCompiler
) -> None:
    one = build(tmp_path / "one", wheel_index, compiler)
    two = build(tmp_path / "two", wheel_index, compiler)
    for artifact in ["functions/alpha.zip", "functions/beta.zip", "layer.zip"]:
        assert (one / artifact).read_bytes() == (two / artifact).read_bytes(), artifact
    names = zipfile.ZipFile(one / "functions/alpha.zip").namelist()
    sources = [n for n in names if n.endswith(".py")]
    assert sources and all(pyc_name(n, compiler.cache_tag()) in names for n in sources)
    layer = zipfile.ZipFile(one / "layer.zip").namelist()
    assert pyc_name("python/tinylib/__init__.py", compiler.cache_tag()) in layer


@pytest.mark.documents("packaging.md", "Byte code for the target Python")
def test_the_interpreter_loads_the_byte_code_without_looking_at_the_source(
    tmp_path: Path, wheel_index: Path, compiler: InterpreterCompiler
) -> None:
    # GIVEN a function zip unpacked where a worker would have it
    code = tmp_path / "task"
    zipfile.ZipFile(build(tmp_path / "p", wheel_index, compiler) / "functions/alpha.zip").extractall(code)
    handler = code / "lambdas/services/alpha/handler.py"
    # WHEN the source changes after the build (unchecked hash: Lambda never reads it again)
    handler.write_text("raise SystemExit('the source was compiled, not the shipped byte code')\n")
    probe = (f"import sys; sys.path.insert(0, {str(code)!r}); import lambdas.services.alpha.handler as h; "
             "print(h.lambda_handler.__code__.co_filename)")  # fmt: skip
    result = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", probe], capture_output=True, text=True,
                            check=False)  # fmt: skip
    # THEN the shipped byte code runs (and tracebacks name the file where it was loaded from)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == str(handler)


@pytest.mark.documents("packaging.md", "Byte code for the target Python")
def test_a_function_that_does_not_compile_is_refused(tmp_path: Path, wheel_index: Path, compiler) -> None:
    write_project(tmp_path)
    (tmp_path / "requirements/layer.txt").write_text("tinylib==1.0\n")
    (tmp_path / "src/lambdas/services/alpha/logic.py").write_text("def broken(:\n")
    with pytest.raises(ToolchainError, match="logic.py does not compile for Python"):
        build(tmp_path, wheel_index, compiler)


def test_a_third_party_file_that_does_not_compile_ships_without_byte_code(
    tmp_path: Path, wheel_index: Path, compiler: InterpreterCompiler
) -> None:
    make_wheel(wheel_index, "tinylib", "1.0", "py3-none-any",
               {"tinylib/__init__.py": b"VALUE = 1\n", "tinylib/py2_example.py": b"print 'hello'\n"})  # fmt: skip
    layer = zipfile.ZipFile(build(tmp_path, wheel_index, compiler) / "layer.zip").namelist()
    assert "python/tinylib/py2_example.py" in layer
    assert pyc_name("python/tinylib/py2_example.py", compiler.cache_tag()) not in layer
    assert pyc_name("python/tinylib/__init__.py", compiler.cache_tag()) in layer


@pytest.mark.documents("packaging.md", "Byte code for the target Python")
def test_without_an_interpreter_of_the_target_version_there_is_no_byte_code(tmp_path: Path, wheel_index) -> None:
    names = zipfile.ZipFile(build(tmp_path, wheel_index, None) / "functions/alpha.zip").namelist()
    assert not [n for n in names if n.endswith(".pyc")]
