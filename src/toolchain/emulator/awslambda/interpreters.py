"""Which interpreter runs a function: the Python its layers were built for, found on this machine.

Lambda picks the interpreter from the function's runtime. The emulator reads the artifact instead:
the wheel tags recorded in the layers' `*.dist-info/WHEEL` files say which CPython and platform
the compiled parts need. Pure-Python layers run on the emulator's own interpreter.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from packaging.tags import parse_tag

from toolchain.pythons import find_interpreter

_MACHINES = {"x86_64": ("x86_64", "amd64"), "aarch64": ("aarch64", "arm64")}


class RuntimeUnavailable(Exception):
    """No interpreter on this machine can run the function's layers."""


def _wheel_tags(layer_dirs: Sequence[Path]) -> set:
    found = set()
    for layer in layer_dirs:
        for wheel_file in [
            *layer.glob("python/*.dist-info/WHEEL"),
            *layer.glob("python/lib/*/site-packages/*.dist-info/WHEEL"),
        ]:
            for line in wheel_file.read_text(errors="replace").splitlines():
                if line.startswith("Tag:"):
                    found |= parse_tag(line.split(":", 1)[1].strip())
    return found


@cache
def _choose(layer_dirs: tuple[Path, ...]) -> tuple[Path, str]:
    tags = _wheel_tags(layer_dirs)
    exact = sorted({t.interpreter for t in tags if t.interpreter.startswith("cp") and t.abi == t.interpreter})
    machine = platform.machine().lower()
    for tag in tags:
        if tag.platform == "any":
            continue
        if tag.platform.startswith("manylinux") or tag.platform.startswith("linux"):
            wanted = next((m for m in _MACHINES if tag.platform.endswith(m)), None)
            if sys.platform != "linux" or (wanted and machine not in _MACHINES[wanted]):
                raise RuntimeUnavailable(
                    f"a layer holds {tag.platform} binaries, which cannot run on this "
                    f"{sys.platform} {machine} machine; "
                    "`invoke up` builds the layer for this machine when no Lambda-compatible Python is found"
                )
    if len(exact) > 1:
        raise RuntimeUnavailable(f"the layers mix binaries for several Pythons: {', '.join(exact)}")
    if not exact:
        return Path(sys.executable), f"{sys.version_info.major}.{sys.version_info.minor}"
    version = f"{exact[0][2]}.{exact[0][3:]}"
    interpreter = find_interpreter(version)
    if interpreter is None:
        raise RuntimeUnavailable(
            f"the layer holds binaries for Python {version} and no python{version} was found on this machine; "
            f"install one (e.g. `pyenv install {version}`) or set PLATFORM_PYTHON_{version.replace('.', '_')}"
        )
    return interpreter, version


def choose_interpreter(layer_dirs: Sequence[Path]) -> tuple[Path, str]:
    """(interpreter, 'X.Y') able to run code with these layers."""
    return _choose(tuple(layer_dirs))
