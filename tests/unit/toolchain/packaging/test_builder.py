"""`invoke package` on a small project: determinism, content addressing, incremental rebuilds."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from toolchain.errors import ConfigError
from toolchain.packaging.builder import BuildReport, Packager
from toolchain.packaging.runtimes import Runtime
from toolchain.packaging.wheels import WheelCache
from toolchain.reporting import RecordingReporter

from .conftest import FakePip, write_project

TARGET = Runtime.on_lambda("3.12", "x86_64")


def packager(root: Path, wheel_index: Path, cache: Path, pip: FakePip | None = None) -> Packager:
    config = write_project(root) if not (root / "pyproject.toml").exists() else None
    from toolchain.config import load_config

    config = config or load_config(root)
    reporter = RecordingReporter()
    wheels = WheelCache(cache, pip or FakePip(wheel_index), reporter)
    return Packager(config, TARGET, root / "build", wheels=wheels, reporter=reporter)


def snapshot(build: Path) -> dict[str, tuple[int, str]]:
    return {
        p.relative_to(build).as_posix(): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(build.rglob("*"))
        if p.is_file()
    }


@pytest.mark.documents("packaging.md", "Deterministic")
def test_two_checkouts_build_byte_identical_artifacts(tmp_path: Path, wheel_index: Path) -> None:
    one = packager(tmp_path / "one", wheel_index, tmp_path / "cache-one").build()
    two = packager(tmp_path / "checkout two", wheel_index, tmp_path / "cache-two").build()
    assert one.manifest.to_text() == two.manifest.to_text()
    for name, artifact in one.manifest.artifacts().items():
        a = (tmp_path / "one/build" / artifact.path).read_bytes()
        b = (tmp_path / "checkout two/build" / artifact.path).read_bytes()
        assert a == b, name


@pytest.mark.documents("packaging.md", "Content-addressed")
def test_manifest_records_every_artifact_with_its_hashes(tmp_path: Path, wheel_index: Path) -> None:
    report = packager(tmp_path, wheel_index, tmp_path / "cache").build()
    manifest = json.loads((tmp_path / "build/manifest.json").read_text())
    assert set(manifest["functions"]) == {"alpha", "beta"}
    assert manifest["target"] == {"architecture": "x86_64", "platform": "lambda", "python": "3.12",
                                  "slug": "python3.12-x86_64", "bytecode": None}  # fmt: skip
    for artifact in [manifest["layer"], *manifest["functions"].values()]:
        data = (tmp_path / "build" / artifact["path"]).read_bytes()
        assert artifact["sha256"] == hashlib.sha256(data).hexdigest()
        assert artifact["base64sha256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
        assert artifact["size"] == len(data)
        assert len(artifact["inputs_sha256"]) == 64
    assert manifest["functions"]["beta"]["handler"] == "lambdas.services.beta.app.handle"
    assert set(manifest["layer"]["packages"]) == {"native", "tinylib"}  # boto3 is provided by Lambda
    assert report.built == ["function alpha", "function beta", "layer"]


@pytest.mark.documents("packaging.md", "One zip per function", "One dependency layer")
def test_layer_holds_dependencies_under_python_and_functions_hold_only_code(tmp_path: Path, wheel_index: Path) -> None:
    packager(tmp_path, wheel_index, tmp_path / "cache").build()
    with zipfile.ZipFile(tmp_path / "build/layer.zip") as layer:
        assert all(n.startswith("python/") for n in layer.namelist())
        assert not any(n.startswith("python/boto3") for n in layer.namelist())
    with zipfile.ZipFile(tmp_path / "build/functions/alpha.zip") as alpha:
        assert not any(n.startswith(("python/", "native", "tinylib")) for n in alpha.namelist())


@pytest.mark.documents("packaging.md", "Content-addressed")
def test_an_unchanged_rebuild_writes_nothing_and_calls_no_pip(tmp_path: Path, wheel_index: Path) -> None:
    pip = FakePip(wheel_index)
    packager(tmp_path, wheel_index, tmp_path / "cache", pip).build()
    before = snapshot(tmp_path / "build")
    report = packager(tmp_path, wheel_index, tmp_path / "cache", pip).build()
    assert report.built == []
    assert report.manifest_written is False
    assert snapshot(tmp_path / "build") == before
    assert len(pip.calls) == 1


@pytest.mark.documents("packaging.md", "Content-addressed")
def test_editing_one_handler_rebuilds_only_its_zip(tmp_path: Path, wheel_index: Path) -> None:
    packager(tmp_path, wheel_index, tmp_path / "cache").build()
    before = snapshot(tmp_path / "build")
    handler = tmp_path / "src/lambdas/services/alpha/handler.py"
    handler.write_text(handler.read_text() + "# changed\n")
    report = packager(tmp_path, wheel_index, tmp_path / "cache").build()
    after = snapshot(tmp_path / "build")
    assert report.built == ["function alpha"]
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {"functions/alpha.zip", "manifest.json"}


def test_editing_the_shared_library_rebuilds_every_function_but_not_the_layer(
    tmp_path: Path, wheel_index: Path
) -> None:
    packager(tmp_path, wheel_index, tmp_path / "cache").build()
    (tmp_path / "src/lambdas/common/util.py").write_text("def shout(s):\n    return s.upper() + '!'\n")
    assert packager(tmp_path, wheel_index, tmp_path / "cache").build().built == ["function alpha", "function beta"]


def test_a_tampered_artifact_is_rebuilt(tmp_path: Path, wheel_index: Path) -> None:
    first = packager(tmp_path, wheel_index, tmp_path / "cache").build()
    (tmp_path / "build/functions/beta.zip").write_bytes(b"not what was built")
    report = packager(tmp_path, wheel_index, tmp_path / "cache").build()
    assert report.built == ["function beta"]
    assert report.manifest.functions["beta"] == first.manifest.functions["beta"]


def test_a_new_pin_rebuilds_the_layer_only(tmp_path: Path, wheel_index: Path) -> None:
    packager(tmp_path, wheel_index, tmp_path / "cache").build()
    (tmp_path / "requirements/layer.txt").write_text("tinylib==1.0\n")
    report = packager(tmp_path, wheel_index, tmp_path / "cache").build()
    assert report.built == ["layer"]
    assert set(report.manifest.layer.packages) == {"tinylib"}


def test_a_removed_function_loses_its_zip(tmp_path: Path, wheel_index: Path) -> None:
    packager(tmp_path, wheel_index, tmp_path / "cache").build()
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('beta = "lambdas.services.beta.app.handle"\n', ""))
    report = packager(tmp_path, wheel_index, tmp_path / "cache").build()
    assert report.removed == ["function beta"]
    assert not (tmp_path / "build/functions/beta.zip").exists()


def test_a_missing_handler_fails_before_anything_is_written(tmp_path: Path, wheel_index: Path) -> None:
    write_project(tmp_path)
    (tmp_path / "src/lambdas/services/beta/app.py").unlink()
    with pytest.raises(ConfigError, match="does not exist"):
        packager(tmp_path, wheel_index, tmp_path / "cache").build()
    assert not (tmp_path / "build/manifest.json").exists()


def _the_platform_in(root: Path) -> Packager:
    """This repository's own functions and sources, with a small layer of hand-made wheels."""
    shutil.copytree(ROOT / "src" / "lambdas", root / "src" / "lambdas", ignore=shutil.ignore_patterns("__pycache__"))
    pyproject = (ROOT / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(pyproject)
    (root / "requirements").mkdir()
    (root / "requirements/layer.txt").write_text("tinylib==1.0\n")
    return packager(root, root.parent / "index", root.parent / "cache")


@pytest.mark.parametrize(
    ("edited", "rebuilt"),
    [
        ("services/scraper/settings.py", {"scraper"}),
        ("services/users/handler.py", {"users"}),
        ("services/etl/rows.py", {"etl"}),
        ("services/workflow/steps.py", {"workflow-validate", "workflow-process", "workflow-notify", "workflow-failed"}),
    ],
)
def test_editing_one_service_rebuilds_that_services_zips_only(
    tmp_path: Path, wheel_index: Path, edited: str, rebuilt: set[str]
) -> None:
    root = tmp_path / "platform"
    first = _the_platform_in(root).build()
    assert len(first.built) == len(first.manifest.functions) + 1  # every function and the layer
    source = root / "src" / "lambdas" / edited
    source.write_text(source.read_text() + "\n# an edit\n")
    second = _the_platform_in_again(root)
    assert {label.removeprefix("function ") for label in second.built} == rebuilt


def _the_platform_in_again(root: Path) -> BuildReport:
    return packager(root, root.parent / "index", root.parent / "cache").build()
