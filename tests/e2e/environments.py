"""What the stories of environments (test_environments, test_canaries) share: the build at hand,
what an environment runs, and copies of the checkout with one handler changed."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.checkout import copy_checkout
from toolchain.deploy.release import ALIAS

from .conftest import Deployed


@dataclass
class Release:
    manifest_sha256: str
    hashes: dict[str, str]  # function -> base64 sha256 of its zip, as Lambda reports CodeSha256


def release_at_hand(deployed: Deployed) -> Release:
    path = deployed.build_dir / "manifest.json"
    functions = json.loads(path.read_text())["functions"]
    return Release(hashlib.sha256(path.read_bytes()).hexdigest(), {n: f["base64sha256"] for n, f in functions.items()})


def outputs(deployed: Deployed, env: str) -> dict[str, Any]:
    return json.loads(deployed.invoke("outputs", "--env", env, "--json").stdout)


def running(deployed: Deployed, env: str) -> dict[str, str]:
    """What Lambda itself says each function of an environment runs behind `live` (what triggers invoke)."""
    lambda_client = deployed.client("lambda")
    return {
        name: lambda_client.get_function(FunctionName=fn["function_name"], Qualifier=ALIAS)["Configuration"][
            "CodeSha256"
        ]
        for name, fn in outputs(deployed, env)["functions"].items()
    }


def failure(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


def users_changed(target: Path, users_handler_tail: str) -> Path:
    """A copy of the checkout in `target` whose users handler ends with `users_handler_tail`."""
    copy = copy_checkout(target)
    handler = copy / "src/lambdas/services/users/handler.py"
    handler.write_text(handler.read_text() + users_handler_tail)
    return copy


A_CHANGE = "\n# a change on its way to production\n"


def invoke_in(deployed: Deployed, checkout: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`invoke` run in another checkout, building into the platform's build directory."""
    result = subprocess.run([sys.executable, "-m", "invoke", *args], cwd=checkout, env=deployed.env,
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode == 0 or not check, result.stdout[-6000:] + result.stderr
    return result
