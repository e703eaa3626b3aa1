"""`invoke watch --debug users`, as docs/development.md shows it: requests wait for the IDE and are
answered once it attaches (found from outside: every request answered 502 and tripped the errors alarm,
because the users function has provisioned concurrency and its provisioned worker held the port)."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests import tokens
from tests.dap import attach
from tests.docs import documented

from .conftest import Deployed

pytestmark = pytest.mark.e2e


def test_watch_debug_holds_requests_for_the_ide_and_then_answers_them(deployed: Deployed) -> None:
    (api,) = [a["url"] for a in deployed.control.apis() if a["name"] == "platform-local-api"]
    secret = deployed.client("secretsmanager").get_secret_value(SecretId="platform-local/jwt-signing-key")
    headers = {"Authorization": "Bearer " + tokens.hs256(secret["SecretString"])}
    users = deployed.outputs()["functions"]["users"]["function_name"]
    assert deployed.client("lambda").get_provisioned_concurrency_config(FunctionName=users, Qualifier="live")
    command = documented("docs/development.md", "invoke watch --debug").text.split()
    assert command == ["invoke", "watch", "--debug", "users"]
    watch = subprocess.Popen([sys.executable, "-m", *command], cwd=deployed.root, env=deployed.env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in watch.stdout], daemon=True).start()  # type: ignore[union-attr]
    try:
        # GIVEN the watch under the debugger, no IDE attached yet
        port = None
        while port is None:
            match = re.search(r"waits for your IDE on 127\.0\.0\.1:(\d+)", lines.get(timeout=120))
            port = int(match.group(1)) if match else None
        # WHEN two requests come in
        with ThreadPoolExecutor(2) as pool:
            answers = [pool.submit(requests.get, f"{api}/users", headers=headers, timeout=300) for _ in range(2)]
            time.sleep(2.0)
            assert not any(a.done() for a in answers), [a.result().status_code for a in answers if a.done()]
            # AND the IDE attaches
            session = attach(port)
            statuses = [a.result(timeout=300).status_code for a in answers]
        session.close()
    finally:
        watch.send_signal(signal.SIGINT)  # Ctrl-C: the watch releases the function from the debugger
        try:
            watch.wait(timeout=120)
        finally:
            if watch.poll() is None:  # never leave a watch holding the shared platform's function
                watch.kill()
    # THEN both are answered, and nothing counted as an error
    assert statuses == [200, 200]
    alarm = f"{users}-errors"
    (state,) = [
        a["StateValue"] for a in deployed.client("cloudwatch").describe_alarms(AlarmNames=[alarm])["MetricAlarms"]
    ]
    assert state != "ALARM"
