"""The console's first paint with 60 functions, in Chromium: from navigation to the functions table
drawn with what `live` serves on each, against the same table served as a finished static page.

The project's path is the whole of it: the page and its script, /api/about, /api/functions (60
GetAlias calls to Lambda, moto in this process, eight at a time) and the drawing. The floor is the
browser loading the very table it drew, captured and served as plain HTML by the same kind of
server: what any page showing that table costs. The goal is under one second on this machine.
"""

from __future__ import annotations

import http.server
import io
import json
import os
import shutil
import sys
import threading
import time
import zipfile
from pathlib import Path

from harness import ROOT, interleaved, median, percentile, result, table

sys.path.insert(0, str(ROOT / "src"))
os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")

FUNCTIONS = 60
ROUNDS = 15
BROWSER = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip


def _platform() -> dict[str, object]:
    import boto3

    iam, lam = boto3.client("iam"), boto3.client("lambda")
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
    functions = {}
    for n in range(FUNCTIONS):
        name = f"fn{n:02d}"
        lam.create_function(FunctionName=f"p-{name}", Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": code.getvalue()}, Publish=True)  # fmt: skip
        lam.create_alias(FunctionName=f"p-{name}", Name="live", FunctionVersion="1")
        functions[name] = {"function_name": f"p-{name}", "version": "1", "memory_size": 256, "timeout": 10,
                           "provisioned_concurrency": 0, "source_code_hash": "x" * 44}  # fmt: skip
    return {"environment": "bench", "region": "us-east-1", "functions": functions}


def main() -> None:
    if not os.path.exists(BROWSER):
        sys.exit(f"{BROWSER} is missing: `apt-get install chromium` (Debian's package)")
    import boto3
    from moto import mock_aws
    from playwright.sync_api import sync_playwright

    from toolchain.console.actions import ConsoleActions
    from toolchain.console.reader import ConsoleReader
    from toolchain.console.server import Console, ConsoleServer

    with mock_aws():
        outputs = _platform()
        clients = {s: boto3.client(s) for s in ("lambda", "cloudwatch")}
        reader = ConsoleReader(clients.__getitem__, outputs)
        console = ConsoleServer(
            Console(
                reader,
                ConsoleActions(reader, clients.__getitem__),
                {"environment": "bench", "target": "emulator", "region": "us-east-1"},
            )
        ).start()
        last_row = f"#functions tbody tr:nth-child({FUNCTIONS}) td.live span"  # drawn: the 60th row's version
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=BROWSER, args=ARGS)
            context = browser.new_context()
            page = context.new_page()
            page.goto(console.url)
            page.locator(last_row).wait_for()
            static_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"console-floor-{os.getpid()}"
            static_dir.mkdir(exist_ok=True)
            # the drawn page, without its script: the same table and styles, nothing left to fetch or run
            finished = page.content().replace('<script src="/console.js" defer=""></script>', "")
            (static_dir / "index.html").write_text(finished)
            shutil.copy(ROOT / "src/toolchain/console/static/console.css", static_dir / "console.css")
            quiet = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})
            floor_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                           lambda *a: quiet(*a, directory=str(static_dir)))  # fmt: skip
            threading.Thread(target=floor_server.serve_forever, daemon=True).start()
            floor_url = f"http://127.0.0.1:{floor_server.server_address[1]}/index.html"

            def paint(url: str) -> float:
                fresh = context.new_page()  # a new page each time: nothing kept from the last paint
                started = time.perf_counter()
                fresh.goto(url)
                fresh.locator(last_row).wait_for()  # in Playwright's own script world: the page's CSP forbids eval
                took = time.perf_counter() - started
                fresh.close()
                return took

            samples = interleaved({"console": lambda: paint(console.url), "static": lambda: paint(floor_url)},
                                  rounds=ROUNDS, warmup=2)  # fmt: skip
            browser.close()
        floor_server.shutdown()
        console.close()
        shutil.rmtree(static_dir, ignore_errors=True)
    rows = [[name, f"{median(v) * 1000:.0f}", f"{percentile(v, 0.9) * 1000:.0f}"] for name, v in samples.items()]
    table(f"first paint of {FUNCTIONS} functions, ms ({ROUNDS} rounds)", ["median", "p90"], rows)
    print(json.dumps({"goal_ms": 1000, "median_ms": round(median(samples["console"]) * 1000)}))
    result("console_first_paint", median(samples["console"]), median(samples["static"]))


if __name__ == "__main__":
    main()
