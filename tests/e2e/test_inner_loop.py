"""The everyday loop on the shared platform (a copy of this checkout): `invoke up`, then `invoke
watch` carries saved edits to the running functions (an HTTP request and an S3 upload run the new
code; a save that does not compile is refused and the old code keeps running); the next `invoke up`
converges Terraform's state on that one function; then `invoke new probe --trigger sqs` is deployed
by `invoke up` with its alarms, dashboard widgets and outputs, and processes its queue's messages.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests import tokens
from tests.checkout import run
from tests.docs import documented
from tests.docs import run as run_documented
from toolchain.demo import sample_jpeg

from .conftest import Deployed
from .test_spine import wait_for

pytestmark = pytest.mark.e2e

USERS = Path("src/lambdas/services/users/handler.py")
THUMBNAILS = Path("src/lambdas/services/thumbnails/handler.py")


class Watch:
    """`invoke watch` in the background, its output read line by line."""

    def __init__(self, platform: Deployed) -> None:
        # a session of its own: Ctrl-C in a terminal signals the whole foreground group, and so does stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "invoke", "watch"], cwd=platform.root, env=platform.env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip())

    def expect(self, pattern: str, timeout: float = 60.0) -> re.Match[str]:
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"the watch never printed {pattern!r}; it printed {self.seen}") from None
            self.seen.append(line)
            match = re.search(pattern, line)
            if match:
                return match

    def stop(self) -> str:
        os.killpg(self.process.pid, signal.SIGINT)
        # an event, not a budget: the watch exits once Ctrl-C is handled (generously bounded for a busy machine)
        self.process.wait(timeout=300)
        rest = []
        while not self.lines.empty():
            rest.append(self.lines.get())
        return "\n".join(rest)


def _sources(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def platform(deployed: Deployed) -> Iterator[Deployed]:
    """The shared platform (in a copy of the checkout), its sources as this module found them again afterwards (edits undone, the new
    function removed) and the emulator environment converged back onto them."""
    before = _sources(deployed.root)
    yield deployed
    after = _sources(deployed.root)
    for path in after.keys() - before.keys():
        path.unlink()
    for path, data in before.items():
        if after.get(path) != data:
            path.write_bytes(data)
    for folder in sorted({p.parent for p in after.keys() - before.keys()}, key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    if after != before:
        deployed.invoke("up")


def _edit(path: Path, marker: str) -> None:
    """Wrap the module's lambda_handler: it logs `marker`, and answers HTTP with an X-Edit header."""
    path.write_text(
        path.read_text()
        + f"""

_unedited = lambda_handler


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:  # type: ignore[no-redef]
    print("edited: {marker}")
    result = _unedited(event, context)
    if isinstance(result, dict) and "statusCode" in result:
        result.setdefault("headers", {{}})["X-Edit"] = "{marker}"
    return result
"""
    )


def _api(platform: Deployed) -> tuple[str, dict[str, str]]:
    (stage,) = [a for a in platform.control.apis() if a["name"] == "platform-local-api"]
    secret = platform.client("secretsmanager").get_secret_value(SecretId="platform-local/jwt-signing-key")
    return stage["url"], {"Authorization": "Bearer " + tokens.hs256(secret["SecretString"])}


def _logged(platform: Deployed, function: str, text: str) -> bool:
    group = platform.outputs()["functions"][function]["log_group_name"]
    events = platform.client("logs").filter_log_events(logGroupName=group, filterPattern=f'"{text}"')["events"]
    return bool(events)


def test_saved_edits_run_on_the_next_trigger_and_broken_saves_are_refused(platform: Deployed) -> None:
    # GIVEN the platform up and a watch on its sources
    watch = Watch(platform)
    watch.expect("Watching src/lambdas")
    url, auth = _api(platform)
    try:
        # WHEN the users handler is edited and saved, THEN the next request runs the new code
        marker = uuid.uuid4().hex[:8]
        _edit(platform.root / USERS, marker)
        sha = watch.expect(r"updated  users +([0-9a-f]{12})  [\d.]+ s after the save").group(1)
        assert platform.manifest["functions"]["users"]["sha256"].startswith(sha)
        assert requests.get(f"{url}/users", headers=auth, timeout=30).headers.get("X-Edit") == marker

        # WHEN the thumbnails handler is edited, THEN the next upload is handled by the new code
        thumb_marker = uuid.uuid4().hex[:8]
        _edit(platform.root / THUMBNAILS, thumb_marker)
        watch.expect(r"updated  thumbnails ")
        s3 = platform.client("s3")
        s3.put_object(Bucket=platform.outputs()["media_bucket_name"], Key=f"uploads/loop/{thumb_marker}.jpg",
                      Body=sample_jpeg(), ContentType="image/jpeg")  # fmt: skip
        wait_for(lambda: _logged(platform, "thumbnails", f"edited: {thumb_marker}"))

        # WHEN a save does not compile, THEN it is reported and the running code and manifest are kept
        manifest = platform.manifest
        good = (platform.root / USERS).read_text()
        (platform.root / USERS).write_text(good + "\ndef broken(:\n")
        watch.expect(r"not deployed: handler\.py line \d+: .*the running code is kept")
        assert requests.get(f"{url}/users", headers=auth, timeout=30).headers.get("X-Edit") == marker
        assert platform.manifest == manifest
        (platform.root / USERS).write_text(good)
    finally:
        watch.stop()

    # THEN the next `invoke up` plans only the two edited functions, and the one after plans nothing
    converge = platform.invoke("up", "--verbose")  # Terraform's whole plan: its outputs' changes too
    actions = re.findall(r"# (\S+) (?:will be|must be)", converge.stdout)
    assert {a.split(".")[1] for a in actions} <= {"users", "thumbnails"}, actions
    changed_outputs = converge.stdout.split("Changes to Outputs:", 1)[1].split("\n\n", 1)[0]
    assert re.search(r"~ users += \{\n\s+~ source_code_hash", changed_outputs), changed_outputs
    assert "~ thumbnails" in changed_outputs and "~ etl" not in changed_outputs
    assert "already runs this build" in platform.invoke("up").stderr
    assert "No changes planned for emulator on the emulator" in platform.invoke("plan").stdout
    running = platform.client("lambda").get_function(FunctionName="platform-local-users")["Configuration"]
    assert running["CodeSha256"] == platform.manifest["functions"]["users"]["base64sha256"]


def _as_documented(platform: Deployed, starts: str) -> subprocess.CompletedProcess:
    """docs/development.md's "Add a function" command, run as written in the platform's checkout."""
    result = run_documented(documented("docs/development.md", starts), platform.env, cwd=platform.root)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result


def test_a_new_function_is_one_command(platform: Deployed) -> None:
    # GIVEN the docs' `invoke new probe --trigger sqs`, WHEN its generated tests run and `invoke up` deploys it
    _as_documented(platform, "invoke new probe")
    generated = run(platform.root, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    "tests/unit/lambdas/services/probe", "tests/integration/test_probe_handler.py")  # fmt: skip
    assert " passed" in generated.stdout and "failed" not in generated.stdout
    up = _as_documented(platform, "invoke up")
    assert "Apply complete!" in up.stdout
    outputs = platform.outputs()

    # THEN a message on its queue is processed by it
    probe = outputs["functions"]["probe"]
    message = uuid.uuid4().hex
    platform.client("sqs").send_message(QueueUrl=outputs["probe_queue_url"], MessageBody=json.dumps({"id": message}))
    wait_for(lambda: _logged(platform, "probe", message))

    # AND it has its alarms, its dashboard widgets and its outputs, like every function
    alarms = platform.client("cloudwatch").describe_alarms(AlarmNamePrefix=probe["function_name"])["MetricAlarms"]
    assert {a["MetricName"] for a in alarms} >= {"Errors", "Throttles", "Duration"}
    dashboard = platform.client("cloudwatch").get_dashboard(DashboardName="platform-local-platform")
    assert probe["function_name"] in dashboard["DashboardBody"]
    assert probe["log_group_name"] == "/aws/lambda/platform-local-probe"

    # AND fn.invoke runs it with its sample event
    result = _as_documented(platform, "invoke fn.invoke probe")
    assert '"processed": 1' in result.stdout
