"""The shared platform survives `invoke down`/`up` and a `kill -9` of its emulator, and comes back
from a snapshot as it was: data, Terraform's view (`plan` is empty) and the signing key (a token
signed before is accepted after). The module leaves the platform as it found it."""

from __future__ import annotations

import json
import os
import signal

import pytest
import requests

from tests import tokens
from toolchain.demo import sample_jpeg
from toolchain.emulator.control import _pid_alive

from .conftest import Deployed
from .test_spine import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def auth(secret: str) -> dict[str, str]:
    # signed once, before any restart: it must still be accepted after each
    return {"Authorization": "Bearer " + tokens.hs256(secret, sub="persistence-check")}


def _create(api: str, auth: dict[str, str], name: str) -> str:
    created = requests.post(f"{api}/users", json={"name": name, "email": f"{name.lower()}@example.com"},
                            headers=auth, timeout=30)  # fmt: skip
    assert created.status_code == 201, created.text
    return created.json()["userId"]


def _status(api: str, auth: dict[str, str], user_id: str) -> int:
    return requests.get(f"{api}/users/{user_id}", headers=auth, timeout=30).status_code


def _plan_is_empty(deployed: Deployed) -> None:
    result = deployed.invoke("plan")
    assert "No changes planned for emulator on the emulator" in result.stdout, result.stdout[-4000:]


def _saved(deployed: Deployed) -> None:
    wanted = deployed.control.state()["writes"]
    wait_for(lambda: deployed.control.state()["writes_saved"] >= wanted, timeout=60, interval=0.05)


@pytest.mark.documents("emulator.md", "State survives a restart", "State survives a crash")
def test_the_platform_is_as_it_was_after_down_up_and_after_a_kill(deployed: Deployed, api: str,
                                                                 auth: dict[str, str]) -> None:  # fmt: skip
    s3 = deployed.client("s3")
    bucket = deployed.outputs()["media_bucket_name"]
    s3.put_object(Bucket=bucket, Key="uploads/kept/photo.jpg", Body=sample_jpeg(), ContentType="image/jpeg")
    wait_for(lambda: s3.list_objects_v2(Bucket=bucket, Prefix="thumbnails/kept/photo.jpg").get("KeyCount"))
    ada = _create(api, auth, "Ada")
    before = deployed.control.require()

    down = deployed.invoke("down")
    assert "`invoke up` resumes it as it was" in down.stdout
    up = deployed.invoke("up")
    assert "already runs this build and infra/: no Terraform" in up.stderr, up.stderr[-3000:]
    after = deployed.control.require()
    assert after.pid != before.pid and (after.state_id, after.endpoint) == (before.state_id, before.endpoint)
    assert _status(api, auth, ada) == 200  # the same URL, the same user, the token signed before
    s3 = deployed.client("s3")
    assert s3.head_object(Bucket=bucket, Key="thumbnails/kept/photo.jpg")["ContentLength"] > 0
    _plan_is_empty(deployed)

    # WHEN the emulator is killed outright after a write reached its checkpoint
    grace = _create(api, auth, "Grace")
    _saved(deployed)
    os.kill(after.pid, signal.SIGKILL)
    wait_for(lambda: not _pid_alive(after.pid), timeout=10)
    deployed.invoke("up")
    # THEN both users are there, under the same token, and Terraform still sees nothing to do
    assert deployed.control.require().state_id == before.state_id
    assert (_status(api, auth, ada), _status(api, auth, grace)) == (200, 200)
    _plan_is_empty(deployed)
    for user in (ada, grace):
        assert requests.delete(f"{api}/users/{user}", headers=auth, timeout=30).status_code == 204
    for key in ("uploads/kept/photo.jpg", "thumbnails/kept/photo.jpg"):
        s3.delete_object(Bucket=bucket, Key=key)


@pytest.mark.documents("emulator.md", "Snapshots")
def test_a_snapshot_brings_the_platform_back_as_it_was(deployed: Deployed, api: str, auth: dict[str, str]) -> None:
    kept = _create(api, auth, "Kept")
    saved = json.loads(deployed.invoke("snapshot.save", "e2e-before", "--json").stdout)
    assert saved["environments"] == ["emulator"] and saved["summary"]["functions"] >= 15
    # WHEN the platform changes: a user deleted, another made, a function's settings changed
    assert requests.delete(f"{api}/users/{kept}", headers=auth, timeout=30).status_code == 204
    later = _create(api, auth, "Later")
    lam = deployed.client("lambda")
    lam.update_function_configuration(FunctionName="platform-local-sessions", Timeout=7)
    listed = json.loads(deployed.invoke("snapshot.list", "--json").stdout)
    assert [s["name"] for s in listed] == ["e2e-before"]
    loaded = deployed.invoke("snapshot.load", "e2e-before")
    assert "loaded snapshot e2e-before" in loaded.stdout
    # THEN it is as it was: the deleted user back, the new one gone, the function's setting undone
    assert (_status(api, auth, kept), _status(api, auth, later)) == (200, 404)
    lam = deployed.client("lambda")
    assert lam.get_function_configuration(FunctionName="platform-local-sessions")["Timeout"] != 7
    _plan_is_empty(deployed)
    assert requests.delete(f"{api}/users/{kept}", headers=auth, timeout=30).status_code == 204
    deployed.invoke("snapshot.delete", "e2e-before")
    assert json.loads(deployed.invoke("snapshot.list", "--json").stdout) == []
