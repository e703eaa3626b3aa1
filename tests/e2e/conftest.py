"""The platform as a user runs it: `invoke` in a child process, Terraform for real, the emulator in the background.

Everything goes to a build directory of the session's own (PLATFORM_BUILD_DIR), so the developer's
own emulator and artifacts are never touched, and runs in a copy of the checkout (the inner loop
edits its sources and puts them back). Three platforms, each made once per worker that uses it:

- `deployed`: the copy, applied to the emulator environment by `invoke up`; every module that uses
  a running platform (triggers, HTTP, data, pipeline, limits, releases, the inner loop) shares it
  and leaves it as it found it. The permission mutations get one of their own on their worker, as
  they take its policies away for minutes.
- `accounts` and `canary_accounts`: an emulator each, bootstrapped by `invoke bootstrap` with nothing
  deployed, for dev, staging and prod and the changed builds promoted through them
  (test_environments, test_canaries).

Under xdist (`invoke test` runs e2e with five workers) each module of ALONE is a scope sent whole
to a worker of its own, and the other modules make two scopes, each on a worker with a `deployed`
platform of its own (SECOND_SHARED: about half of their time), so that no scope is much longer than
the longest story (`pytest_xdist_make_scheduler` below: xdist 3.8's own `xdist_group` marks do not
group under pytest 9). Most of an e2e run is waiting (Terraform's fixed delays, bakes, retries,
deliveries), so five workers overlap it on two cores. `--reverse-modules` runs the modules in
reverse order, to show they do not depend on it; each module also runs alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.checkout import copy_checkout, copy_environment
from toolchain.emulator.clients import emulator_client
from toolchain.emulator.control import EmulatorControl

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Deployed:
    build_dir: Path
    env: dict[str, str]
    up_output: str
    control: EmulatorControl
    root: Path = ROOT

    def invoke(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "invoke", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"invoke {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def client(self, service: str) -> Any:
        return emulator_client(service, self.control.require().endpoint)

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.build_dir / "manifest.json").read_text())

    def outputs(self) -> dict[str, Any]:
        state = next((self.build_dir / "tf/emulator/root/terraform.tfstate.d/emulator").glob("terraform.tfstate"))
        return {k: v["value"] for k, v in json.loads(state.read_text())["outputs"].items()}


# A worker each: each story, and the permission mutations (on a platform of their own), is about as long as
# half the rest; the rest is split in two by the time its modules took (SECOND_SHARED about half of it).
ALONE = {"test_environments", "test_canaries", "test_permission_mutations"}
SECOND_SHARED = {"test_inner_loop", "test_persistence", "test_security", "test_least_privilege"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--reverse-modules", action="store_true", help="run the e2e modules in reverse order")


def scope_of(nodeid: str) -> str:
    """The worker scope of a test: its module when that runs alone, else one of the two shared ones."""
    module = nodeid.split("::", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")
    if module in ALONE:
        return module
    return "shared-2" if module in SECOND_SHARED else "shared"


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") != "loadgroup":
        return None  # xdist's own scheduling
    from xdist.scheduler import LoadScopeScheduling

    class ByPlatform(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    return ByPlatform(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--reverse-modules", default=False):
        order: list[str] = []
        for item in items:
            if item.module.__name__ not in order:
                order.append(item.module.__name__)
        rank = {name: index for index, name in enumerate(reversed(order))}
        items.sort(key=lambda item: rank[item.module.__name__])  # stable: a module's own order is kept


def _platform(build_dir: Path, root: Path, env: dict[str, str], *, start: str = "up") -> Deployed:
    env = {**env, "PLATFORM_BUILD_DIR": str(build_dir), "EMULATOR_ASYNC_RETRY_DELAYS": "0.2,0.2"}
    platform = Deployed(build_dir, env, "", EmulatorControl(build_dir / "emulator"), root=root)
    started = platform.invoke(start)
    platform.up_output = started.stdout + started.stderr
    return platform


@pytest.fixture(scope="session")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    root = copy_checkout(tmp_path_factory.mktemp("checkout"))
    build_dir = tmp_path_factory.mktemp("build")
    platform = _platform(build_dir, root, copy_environment(root, build_dir))
    yield platform
    platform.invoke("down", check=False)


def _bootstrapped(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[Deployed]:
    platform = _platform(tmp_path_factory.mktemp(name), ROOT, dict(os.environ), start="bootstrap")
    yield platform
    platform.invoke("down", check=False)


@pytest.fixture(scope="session")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    yield from _bootstrapped(tmp_path_factory, "accounts-build")


@pytest.fixture(scope="session")
def canary_accounts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    yield from _bootstrapped(tmp_path_factory, "canary-accounts-build")


# -- the shared platform's REST API and the key its authorizer verifies with --------------------------
@pytest.fixture(scope="module")
def api(deployed: Deployed) -> str:
    (stage,) = [a for a in deployed.control.apis() if a["name"] == "platform-local-api"]
    return stage["url"]


@pytest.fixture(scope="module")
def secret(deployed: Deployed) -> str:
    return deployed.client("secretsmanager").get_secret_value(SecretId="platform-local/jwt-signing-key")["SecretString"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The measurements tests record (`record_property("result", "RESULT ...")`, the permission-mutation
    scores), printed at the end of the run, whichever worker ran them."""
    lines = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) != "call":
                continue
            lines += [f"{value}" if name == "result" else f"  {name}: {value}"
                      for name, value in getattr(report, "user_properties", [])]  # fmt: skip
    if lines:
        terminalreporter.write_sep("-", "measured")
        for line in lines:
            terminalreporter.write_line(line)
