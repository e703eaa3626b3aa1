"""The operator's console in a real browser (Debian's Chromium driven by Playwright) on the shared
platform: `invoke console` as a user starts it, then a rollback, an alarm, an order's waterfall and a
redrive, each done or seen on the page. Screenshots go to build/test-artifacts/console/."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests import tokens
from tests.checkout import ROOT
from toolchain.deploy.release import Releaser

from .conftest import Deployed
from .test_order_pipeline import fulfilments, job
from .test_spine import wait_for

pytestmark = pytest.mark.e2e

BROWSER = shutil.which("chromium") or "/usr/bin/chromium"
# No first-run work and nothing fetched: this machine has no internet, and a console never needs it.
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", ROOT / "build" / "test-artifacts")) / "console"
WAIT_MS = 60_000  # a bound for a busy machine; each wait ends as soon as the page shows it
PREFIX = "platform-local"


@pytest.fixture(scope="module")
def console_url(deployed: Deployed) -> Iterator[str]:
    process = subprocess.Popen([sys.executable, "-m", "invoke", "console", "--port", "0"], cwd=deployed.root,
                               env=deployed.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)  # fmt: skip
    first = process.stdout.readline() if process.stdout else ""
    found = re.search(r"http://127\.0\.0\.1:\d+/", first)
    try:
        assert found, first + (process.stdout.read() if process.stdout and process.poll() is not None else "")
        yield found.group(0)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def page(console_url: str) -> Iterator[Any]:
    if not os.path.exists(BROWSER):
        pytest.skip("Debian's chromium is not installed (`apt-get install chromium`); .ci/run installs it")
    from playwright.sync_api import expect as playwright_expect
    from playwright.sync_api import sync_playwright

    playwright_expect.set_options(timeout=WAIT_MS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=BROWSER, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.set_default_timeout(WAIT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(console_url)
        yield page
        browser.close()
    assert errors == [], errors  # no script error anywhere in the module's visits


def expect(target: Any) -> Any:
    """Playwright's assertions, which wait (up to WAIT_MS) in its own script world: the page's CSP
    forbids evaluating strings in the page itself, and the tests keep that CSP on."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def _live_cell(page: Any, name: str) -> Any:
    return page.locator(f'#functions tr[data-function="{name}"] td.live span')


@pytest.mark.documents("console.md", "Functions")
def test_every_function_is_listed_with_the_version_live_serves(deployed: Deployed, page: Any) -> None:
    functions = deployed.outputs()["functions"]
    page.keyboard.press("1")
    expect(page.locator("#functions tbody tr")).to_have_count(len(functions))
    lam = deployed.client("lambda")
    for name in ("users", "checkout", "worker"):
        alias = lam.get_alias(FunctionName=functions[name]["function_name"], Name="live")
        assert _live_cell(page, name).get_attribute("data-live") == alias["FunctionVersion"]
    assert "Platform console" in page.title() and "emulator on the emulator" in page.inner_text("#environment")
    page.screenshot(path=str(ARTIFACTS / "functions.png"), full_page=True)


def _built_zip(deployed: Deployed, name: str) -> bytes:
    return (deployed.build_dir / deployed.manifest["functions"][name]["path"]).read_bytes()


@pytest.mark.documents("console.md", "Functions")
def test_a_rollback_from_the_page_moves_live_back(deployed: Deployed, page: Any) -> None:
    # GIVEN sessions released to a second version (the built code plus one file), as `watch` would
    lam, name = deployed.client("lambda"), f"{PREFIX}-sessions"
    original = _built_zip(deployed, "sessions")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(out, "w") as changed:
        for item in source.infolist():
            changed.writestr(item, source.read(item))
        changed.writestr("console-e2e.txt", "a second version")
    before = str(lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"])
    version = str(lam.update_function_code(FunctionName=name, ZipFile=out.getvalue(), Publish=True)["Version"])
    try:
        Releaser(lam).move(name, version)
        page.keyboard.press("1")
        page.keyboard.press("r")
        page.wait_for_selector(f'#functions tr[data-function="sessions"] td.live span[data-live="{version}"]')
        # WHEN an operator rolls it back from the page (a second press confirms)
        button = page.locator('#functions tr[data-function="sessions"] button')
        button.click()
        button.click()
        # THEN the page shows live on the earlier version, and Lambda agrees
        expect(page.locator("#status")).to_contain_text(f"live moved from {version}")
        assert f"live moved from {version} to {before}" in page.inner_text("#status")
        assert _live_cell(page, "sessions").get_attribute("data-live") == before
        assert str(lam.get_alias(FunctionName=name, Name="live")["FunctionVersion"]) == before
        page.screenshot(path=str(ARTIFACTS / "rolled-back.png"), full_page=True)
    finally:  # the shared platform as Terraform left it: its code, live on it, no extra version
        Releaser(lam).move(name, before)
        lam.update_function_code(FunctionName=name, ZipFile=original)
        lam.delete_function(FunctionName=name, Qualifier=version)


@pytest.mark.documents("console.md", "Alarms", "Keyboard first")
def test_a_function_throttled_for_real_shows_its_alarm_firing(deployed: Deployed, page: Any) -> None:
    # GIVEN sessions with no concurrency at all, invoked: Lambda throttles it and its alarm fires
    lam, cloudwatch, name = deployed.client("lambda"), deployed.client("cloudwatch"), f"{PREFIX}-sessions"
    alarm = f"{name}-throttles"
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    try:
        with pytest.raises(lam.exceptions.TooManyRequestsException):
            lam.invoke(FunctionName=f"{name}:live", Payload=b"{}")
    finally:
        lam.delete_function_concurrency(FunctionName=name)
    wait_for(lambda: cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["StateValue"] == "ALARM")
    # WHEN the alarms panel is opened THEN it is listed first, firing, and the tab counts it
    page.keyboard.press("2")
    page.keyboard.press("r")
    state = page.locator(f'#alarms tr[data-alarm="{alarm}"] td.state')
    state.wait_for()
    expect(state).to_have_text("ALARM")
    assert page.locator("#alarms tbody tr").first.get_attribute("data-alarm") is not None
    assert "firing" in page.inner_text('nav button[data-panel="alarms"]')
    # AND its history, from the keyboard
    page.focus(f'#alarms tr[data-alarm="{alarm}"]')
    page.keyboard.press("Enter")
    expect(page.locator("#alarm-history li").first).to_be_visible()
    assert "to ALARM" in page.inner_text("#alarm-history")
    page.screenshot(path=str(ARTIFACTS / "alarm.png"), full_page=True)


@pytest.fixture(scope="module")
def order(deployed: Deployed) -> str:
    """The correlation id of an order placed through the API, as a customer would."""
    (api,) = [a["url"] for a in deployed.control.apis() if a["name"] == f"{PREFIX}-api"]
    secret = deployed.client("secretsmanager").get_secret_value(SecretId=f"{PREFIX}/jwt-signing-key")["SecretString"]
    order = {"customerId": "c-console", "items": [{"sku": "kettle", "quantity": 1, "unitPrice": "49.90"}]}
    accepted = requests.post(f"{api}/orders", json=order, headers={"Authorization": "Bearer " + tokens.hs256(secret)},
                             timeout=30)  # fmt: skip
    assert accepted.status_code == 202, accepted.text
    return str(accepted.json()["correlationId"])


@pytest.mark.documents("console.md", "Traces", "Keyboard first")
def test_an_order_placed_through_the_api_is_followed_to_its_waterfall(page: Any, order: str) -> None:
    correlation_id = order
    # WHEN the operator searches its correlation id ("/" jumps to the search)
    page.keyboard.press("/")
    page.keyboard.type(correlation_id)
    notify = f'#waterfalls .hop[data-hop="{PREFIX}-workflow-notify"]'

    def drawn() -> bool:  # the last hop lands when the workflow ends: search again until it is drawn
        reads = page.locator("body").get_attribute("data-reads") or "0"
        page.keyboard.press("Enter")
        expect(page.locator("body")).not_to_have_attribute("data-reads", reads)  # the page has drawn the answer
        return page.locator(notify).count() > 0

    wait_for(drawn, timeout=WAIT_MS / 1000)
    # THEN one waterfall, from the gateway to the workflow's last function, each hop a bar
    assert page.locator("#waterfalls .waterfall").count() == 1
    assert correlation_id in page.inner_text("#waterfalls h2")
    hops = page.locator("#waterfalls .hop")
    names = [hops.nth(i).get_attribute("data-hop") for i in range(hops.count())]
    for hop in (f"{PREFIX}-authorizer", f"{PREFIX}-checkout", f"{PREFIX}-worker", f"{PREFIX}-order-workflow"):
        assert hop in names, names
    bars = page.locator("#waterfalls .bar")
    widths = [(bars.nth(i).bounding_box() or {"width": 0})["width"] for i in range(bars.count())]
    assert all(width >= 2 for width in widths) and max(widths) > 100
    page.screenshot(path=str(ARTIFACTS / "waterfall.png"), full_page=True)


@pytest.mark.documents("console.md", "Invocations")
def test_the_orders_invocations_are_listed_with_their_log_lines_and_lead_to_its_trace(page: Any, order: str) -> None:
    page.keyboard.press("Escape")
    page.keyboard.press("6")
    checkout = page.locator("#invocations tbody tr[data-request]", has_text=order).filter(
        has=page.locator("th", has_text=re.compile(r"^checkout$"))
    )
    expect(checkout).to_have_count(1)
    expect(checkout.locator("td.state")).to_have_text("ok")
    # WHEN it is opened from the keyboard THEN its log lines, each with its time to the millisecond
    checkout.focus()
    page.keyboard.press("Enter")
    request_id = checkout.get_attribute("data-request")
    lines = page.locator(f'#invocations tr.lines[data-for="{request_id}"] pre')
    expect(lines).to_be_visible()
    text = lines.inner_text()
    assert re.search(rf"^\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}\+00:00 START RequestId: {request_id}", text, re.M)
    assert order in text and "REPORT RequestId" in text
    # AND its Trace button opens that very trace's waterfall
    checkout.locator("button:text('Trace')").click()
    expect(page.locator("#waterfalls .waterfall")).to_have_count(1)
    expect(page.locator(f'#waterfalls .hop[data-hop="{PREFIX}-checkout"]').first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "invocations.png"), full_page=True)


@pytest.mark.documents("console.md", "Queues", "Keyboard first")
def test_a_dead_lettered_message_is_read_and_redriven_from_the_keyboard(deployed: Deployed, page: Any) -> None:
    # GIVEN a job in the work queue's dead-letter queue
    sqs = deployed.client("sqs")
    dlq = sqs.get_queue_url(QueueName=f"{PREFIX}-work-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=dlq, MessageBody=job("console-redrive"))
    page.keyboard.press("Escape")  # out of a text field (the trace search), where keys are text
    page.keyboard.press("3")
    page.keyboard.press("r")
    row = '#queues tr[data-queue="work_dlq_url"]'
    expect(page.locator(f"{row} td.visible")).to_have_text("1")
    # AND its oldest message's age, from the AWS/SQS metric the emulator samples as SQS publishes it
    expect(page.locator(f"{row} td.oldest")).to_have_text(re.compile(r"^\d+ (s|min)$"))
    # WHEN its messages are read THEN the job is shown, still there
    page.click(f"{row} button:text('Messages')")
    expect(page.locator("#messages pre")).to_be_visible()
    assert "console-redrive" in page.inner_text("#messages")
    # WHEN it is redriven with the keyboard alone (focus, Enter, Enter to confirm)
    page.focus(f"{row} button:text('Redrive')")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text("moved back")
    # THEN it went back to the work queue, and the worker fulfilled it once
    assert f"1 moved back to {PREFIX}-work, 0 left" in page.inner_text("#status")
    assert deployed.control.wait_idle(180)
    assert fulfilments(deployed, "console-redrive") == {"console-redrive": 1}
    page.screenshot(path=str(ARTIFACTS / "redriven.png"), full_page=True)


@pytest.mark.documents("console.md", "Map")
def test_the_map_is_drawn_from_terraforms_state(deployed: Deployed, page: Any) -> None:
    page.keyboard.press("Escape")
    page.keyboard.press("7")
    functions = deployed.outputs()["functions"]
    expect(page.locator("svg.map g.node.function")).to_have_count(len(functions))
    expect(page.locator(f'svg.map g[data-node="{PREFIX}-worker"]')).to_have_count(1)
    listed = page.locator("#map-list li").all_text_contents()  # inside a closed <details>: text, not shown
    for line in (
        f"{PREFIX}-work (queue) triggers {PREFIX}-worker (function)",
        f"{PREFIX}-checkout (function) writes {PREFIX}-work (queue)",
        f"{PREFIX}-order-workflow (workflow) triggers {PREFIX}-workflow-validate (function)",
        f"{PREFIX}-api (api) triggers {PREFIX}-users (function)",
        f"{PREFIX}-thumbnails (function) sends failures to {PREFIX}-thumbnails-failures (queue)",
    ):
        assert line in listed, listed
    # every arrow drawn joins two boxes of the drawing
    assert page.locator("svg.map path.edge").count() >= len(listed) - 5
    page.screenshot(path=str(ARTIFACTS / "map.png"), full_page=True)


@pytest.mark.documents("console.md", "Dashboard")
def test_the_dashboard_terraform_deployed_is_drawn_as_charts(page: Any, order: str) -> None:
    page.keyboard.press("Escape")
    page.keyboard.press("8")
    invocations = page.locator('article.chart[data-widget="Lambda Invocations (Sum)"]')
    expect(invocations).to_have_count(1)
    # the order above ran the checkout: its line is drawn, and its legend says so
    expect(invocations.locator("polyline").first).to_be_attached()
    assert f"Invocations {PREFIX}-checkout:" in invocations.locator("ul.legend").inner_text()
    for title in ("API requests and errors", "Queues: waiting messages", "Order workflow executions"):
        expect(page.locator(f'article.chart[data-widget="{title}"]')).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)


@pytest.mark.documents("console.md", "Billed reads, kept few")
def test_sparklines_are_read_once_a_minute_however_often_the_functions_are(page: Any) -> None:
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url.split("/api/", 1)[-1]) if "/api/" in request.url
            else None)  # fmt: skip
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    for _ in range(3):
        reads = page.locator("body").get_attribute("data-reads") or "0"
        page.keyboard.press("r")
        expect(page.locator("body")).not_to_have_attribute("data-reads", reads)
    assert asked.count("functions") >= 3 and asked.count("metrics") <= 1, asked


@pytest.mark.documents("console.md", "Bill")
def test_the_bill_shows_each_entry_point_and_every_service(deployed: Deployed, page: Any) -> None:
    # GIVEN two entry points measured on this platform (reads, and one user: nothing another module
    # counts, such as alerts or scraped prices)
    deployed.invoke("cost.measure", "--requests", "1", "--only", "get-user,list-users")
    # WHEN the bill panel is opened from the keyboard
    page.keyboard.press("Escape")
    page.keyboard.press("9")
    # THEN each measured entry point has its cost per 1,000 requests, and the month adds up by service
    expect(page.locator("#bill-entries tr[data-entry='get-user'] td").first).to_have_text(re.compile(r"^0\.\d{4}$"))
    expect(page.locator("#bill-entries tr[data-entry='list-users']")).to_be_visible()
    bill = json.loads(deployed.invoke("cost", "--json").stdout)
    for service in ("apigateway", "lambda", "kinesis", "cloudwatch"):
        expect(page.locator(f"#bill-services tr[data-service='{service}'] td")).to_have_text(
            f"{float(bill['services'][service]):,.2f}")  # fmt: skip
    expect(page.locator("#bill-services tr.total td")).to_have_text(f"{float(bill['net_usd']):,.2f}")
    expect(page.locator("#bill-payers tr[data-payer='users']")).to_be_visible()
    assert "usage measured on the emulator at" in page.inner_text("#bill-basis")
    page.screenshot(path=str(ARTIFACTS / "bill.png"), full_page=True)
