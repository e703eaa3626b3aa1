"""A small project on disk, hand-made wheels and a pip that serves them: packaging without a network."""

from __future__ import annotations

import base64
import hashlib
import re
import shutil
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from toolchain.config import ProjectConfig, load_config
from toolchain.packaging.wheels import PipFailed

PYPROJECT = """
[tool.platform]
python = "3.12"
architecture = "x86_64"
source_root = "src"
shared = ["lambdas/common"]

[tool.platform.layer]
requirements = "requirements/layer.txt"
provided = ["boto3"]

[tool.platform.functions]
alpha = "lambdas.services.alpha.handler.lambda_handler"
beta = "lambdas.services.beta.app.handle"
"""

SOURCES = {
    "lambdas/__init__.py": "",
    "lambdas/common/__init__.py": "",
    "lambdas/common/util.py": "def shout(s):\n    return s.upper()\n",
    "lambdas/services/__init__.py": "",
    "lambdas/services/alpha/__init__.py": "",
    "lambdas/services/alpha/handler.py": "def lambda_handler(event, context):\n    return 'alpha'\n",
    "lambdas/services/alpha/logic.py": "X = 1\n",
    "lambdas/services/beta/__init__.py": "",
    "lambdas/services/beta/app.py": "def handle(event, context):\n    return 'beta'\n",
}


def write_project(root: Path, pins: str = "tinylib==1.0\nnative==2.0\nboto3==1.0\n") -> ProjectConfig:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    for name, text in SOURCES.items():
        path = root / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "requirements").mkdir(exist_ok=True)
    (root / "requirements/layer.txt").write_text(pins)
    return load_config(root)


def make_wheel(directory: Path, name: str, version: str, tag: str, files: dict[str, bytes]) -> Path:
    dist = f"{name}-{version}.dist-info"
    contents = dict(files)
    contents[f"{dist}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    contents[f"{dist}/WHEEL"] = f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n".encode()
    record = []
    for path, data in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    contents[f"{dist}/RECORD"] = ("\n".join([*record, f"{dist}/RECORD,,"]) + "\n").encode()
    path = directory / f"{name}-{version}-{tag}.whl"
    directory.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in contents.items():
            archive.writestr(member, data)
    return path


class FakePip:
    """Serves wheels from a folder the way `pip download --no-deps name==version` would."""

    def __init__(self, index: Path) -> None:
        self.index = index
        self.calls: list[list[str]] = []

    def download(self, requirements: Sequence[str], dest: Path, extra_args: Sequence[str]) -> None:
        self.calls.append(list(requirements))
        for requirement in requirements:
            name, version = requirement.split()[0].split("==")
            pattern = re.compile(rf"^{re.escape(name.replace('-', '_'))}-{re.escape(version)}-")
            matches = [w for w in self.index.glob("*.whl") if pattern.match(w.name)]
            if not matches:
                raise PipFailed(f"ERROR: No matching distribution found for {requirement}")
            for wheel in matches:
                shutil.copy(wheel, dest / wheel.name)


@pytest.fixture
def wheel_index(tmp_path: Path) -> Path:
    index = tmp_path / "index"
    make_wheel(index, "tinylib", "1.0", "py3-none-any", {"tinylib/__init__.py": b"VALUE = 1\n"})
    make_wheel(
        index,
        "native",
        "2.0",
        "cp312-cp312-manylinux_2_17_x86_64",
        {
            "native/__init__.py": b"",
            "native/_speedups.so": b"\x7fELF fake",
            "native/__pycache__/__init__.cpython-311.pyc": b"stale byte code",
            "native-2.0.data/purelib/native_extra.py": b"EXTRA = True\n",
            "native-2.0.data/scripts/native-cli": b"#!/bin/sh\n",
        },
    )
    make_wheel(index, "native", "2.0", "cp312-cp312-macosx_11_0_arm64", {"native/__init__.py": b"mac"})
    make_wheel(index, "boto3", "1.0", "py3-none-any", {"boto3/__init__.py": b""})
    return index
