"""The inner loop, on an emulator of its own (a copy of this checkout, `invoke up` done):

- edit to running: from a handler file's write to the first HTTP request answered by the new code,
  through `invoke watch` and through `invoke up`; the floor swaps a zip of the same files, made in
  memory with plain `zipfile`, straight into the function with UpdateFunctionCode (published) and
  UpdateAlias onto `live`, what the triggers invoke (no build, no manifest, no watch), then polls
  the same way;
- a no-op `invoke up`, against the floor of any task: `invoke --list` (Python, invoke, tasks.py);
- `invoke fn.invoke`'s wall time, against the floor of any command that invokes a function: a fresh
  `python -c` that imports boto3 and invokes; with boto3 from a warm process and the function's
  own duration (its REPORT line) for scale.
"""

from __future__ import annotations

import base64
import io
import re
import signal
import subprocess
import sys
import time
import zipfile
from itertools import count

import requests
from harness import ROOT, interleaved, median, percentile, result, sandbox, table, timed

from tests import tokens
from toolchain.emulator.clients import emulator_client

EDITS = 10
UP_EDITS = 3
USERS = "src/lambdas/services/users/handler.py"
WRAPPER = """

_unedited = lambda_handler


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:  # type: ignore[no-redef]
    result = _unedited(event, context)
    result.setdefault("headers", {{}})["X-Edit"] = "{marker}"
    return result
"""


def main() -> None:
    with sandbox() as box:
        endpoint = box.endpoint()
        api = next(a["url"] for a in requests.get(f"{endpoint}/_emulator/apis", timeout=10).json()
                   if a["name"].endswith("-api"))  # fmt: skip
        secret = emulator_client("secretsmanager", endpoint).get_secret_value(SecretId="platform-local/jwt-signing-key")
        auth = {"Authorization": "Bearer " + tokens.hs256(secret["SecretString"], exp=int(time.time()) + 3600)}
        session = requests.Session()
        lambda_client = emulator_client("lambda", endpoint)
        handler = box.root / USERS
        original = handler.read_text()
        markers = count()

        def running_after(marker: str, since: float) -> float:
            while session.get(f"{api}/users", headers=auth, timeout=30).headers.get("X-Edit") != marker:
                time.sleep(0.02)
            return time.perf_counter() - since

        def saved_edit() -> tuple[str, float]:
            marker = f"edit-{next(markers)}"
            started = time.perf_counter()
            handler.write_text(original + WRAPPER.format(marker=marker))
            return marker, started

        def through_watch() -> float:
            return running_after(*saved_edit())

        def floor_swap() -> float:
            marker = f"edit-{next(markers)}"
            started = time.perf_counter()
            src = box.root / "src"
            files = [*(src / "lambdas/services/users").rglob("*.py"), *(src / "lambdas/common").rglob("*.py"),
                     src / "lambdas/__init__.py", src / "lambdas/services/__init__.py"]  # fmt: skip
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in files:
                    name = path.relative_to(src).as_posix()
                    edited = path == handler
                    archive.writestr(name, original + WRAPPER.format(marker=marker) if edited else path.read_bytes())
            # the least any tool can do now that triggers invoke `live`: publish the code, move the alias
            version = lambda_client.update_function_code(FunctionName="platform-local-users",
                                                         ZipFile=buffer.getvalue(), Publish=True)["Version"]  # fmt: skip
            lambda_client.update_alias(FunctionName="platform-local-users", Name="live", FunctionVersion=version)
            return running_after(marker, started)

        def through_up() -> float:
            marker, started = saved_edit()
            box.invoke("up")
            return running_after(marker, started)

        watch = subprocess.Popen([sys.executable, "-m", "invoke", "watch"], cwd=box.root, env=box.env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
        assert watch.stdout is not None
        while "Watching" not in watch.stdout.readline():
            pass
        loop = interleaved({"watch": through_watch, "floor": floor_swap}, rounds=EDITS)
        watch.send_signal(signal.SIGINT)
        printed = watch.communicate(timeout=30)[0]
        reported = [float(s) for s in re.findall(r"updated  users +\w+  ([\d.]+) s after the save", printed)]
        loop |= interleaved({"up": through_up}, rounds=UP_EDITS, warmup=0)

        noop = interleaved({"up": lambda: timed(lambda: box.invoke("up")),
                            "list": lambda: timed(lambda: box.invoke("--list"))}, rounds=5)  # fmt: skip

        event = (ROOT / "events/apigateway-rest-proxy.json").read_text()
        (box.root / "bench-event.json").write_text(event)
        own: list[float] = []

        def direct() -> float:
            def call() -> None:
                response = lambda_client.invoke(FunctionName="platform-local-users", Payload=event.encode(),
                                                 LogType="Tail")  # fmt: skip
                response["Payload"].read()
                tail = base64.b64decode(response["LogResult"]).decode()
                own.append(float(re.search(r"Duration: ([\d.]+) ms", tail).group(1)) / 1000)  # type: ignore[union-attr]

            return timed(call)

        script = (f"import boto3; boto3.client('lambda', endpoint_url={endpoint!r}, region_name='us-east-1', "
                  f"aws_access_key_id='x', aws_secret_access_key='x').invoke(FunctionName='platform-local-users', "
                  f"Payload=open('bench-event.json', 'rb').read(), LogType='Tail')['Payload'].read()")  # fmt: skip

        def fresh_boto3() -> float:
            return timed(lambda: subprocess.run([sys.executable, "-c", script], cwd=box.root, check=True))

        invoke = interleaved({"fn.invoke": lambda: timed(lambda: box.invoke("fn.invoke", "users", "bench-event.json")),
                              "python": fresh_boto3, "boto3": direct}, rounds=10)  # fmt: skip

    table(f"saved edit -> first request that runs it ({EDITS} edits; {UP_EDITS} through `invoke up`)",
          ["p50 s", "p90 s"],
          [["`invoke watch`", f"{median(loop['watch']):.2f}", f"{percentile(loop['watch'], 0.9):.2f}"],
           ["  of which: write to swapped (the watch's own figure)", f"{median(reported):.2f}",
            f"{percentile(reported, 0.9):.2f}"],
           ["`invoke up` (Terraform plan + apply of the one function)", f"{median(loop['up']):.2f}",
            f"{percentile(loop['up'], 0.9):.2f}"],
           ["floor: in-memory zip + UpdateFunctionCode (published) + UpdateAlias", f"{median(loop['floor']):.2f}",
            f"{percentile(loop['floor'], 0.9):.2f}"]])  # fmt: skip
    table("a task with nothing to do (5 runs)", ["median s"],
          [["`invoke up`, nothing changed", f"{median(noop['up']):.2f}"],
           ["floor: `invoke --list`", f"{median(noop['list']):.2f}"]])  # fmt: skip
    table("invoking users once, warm (10 runs)", ["median ms"],
          [["`invoke fn.invoke users <event>`", f"{median(invoke['fn.invoke']) * 1000:.0f}"],
           ["floor: `python -c` importing boto3 and invoking", f"{median(invoke['python']) * 1000:.0f}"],
           ["boto3 invoke from a warm process", f"{median(invoke['boto3']) * 1000:.0f}"],
           ["the function's own duration (REPORT)", f"{median(own) * 1000:.1f}"]])  # fmt: skip
    result("noop_up_s", median(noop["up"]), median(noop["list"]))
    result("fn_invoke_s", median(invoke["fn.invoke"]), median(invoke["python"]))
    result("edit_to_running_s", median(loop["watch"]), median(loop["floor"]))


if __name__ == "__main__":
    main()
