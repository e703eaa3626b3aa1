"""README command 1, checked: build, a real `terraform apply` on the emulator, real events, the real handler."""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path

import pytest
from PIL import Image

from toolchain.demo import sample_jpeg

from .conftest import ROOT, Deployed

pytestmark = pytest.mark.e2e


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"not true after {timeout} s")


@pytest.mark.documents("environments.md", "One way to deploy", "Terraform's output, summarised")
def test_up_applies_and_says_what_matters(deployed: Deployed) -> None:
    # Terraform's plan and progress go to their logs; up says what it changes and where things are
    assert "Apply complete!" in deployed.up_output
    assert re.search(r"    Plan: \d+ to add, 0 to change, 0 to destroy\.", deployed.up_output)
    assert re.search(r"    \d+ resources to create \(--verbose, or the plan log, lists them\)", deployed.up_output)
    assert "Refreshing state" not in deployed.up_output and "Creating..." not in deployed.up_output
    assert "outputs: `invoke outputs` lists them" in deployed.up_output
    assert "Emulator: http://127.0.0.1:" in deployed.up_output
    assert len(deployed.up_output.splitlines()) < 60, deployed.up_output  # a first up, 230 resources
    assert "Apply complete!" in (deployed.build_dir / "tf/emulator/logs/apply.log").read_text()  # the last apply's
    outputs = deployed.outputs()
    assert outputs["media_bucket_name"] == "platform-local-media-123456789012"
    assert outputs["functions"]["thumbnails"]["function_name"] == "platform-local-thumbnails"


def test_deployed_code_is_exactly_the_manifests(deployed: Deployed) -> None:
    manifest = deployed.manifest
    config = deployed.client("lambda").get_function(FunctionName="platform-local-thumbnails")["Configuration"]
    assert config["CodeSha256"] == manifest["functions"]["thumbnails"]["base64sha256"]
    assert deployed.outputs()["functions"]["thumbnails"]["source_code_hash"] == config["CodeSha256"]
    *_, layer_name, version = config["Layers"][0]["Arn"].split(":")
    layer = deployed.client("lambda").get_layer_version(LayerName=layer_name, VersionNumber=int(version))
    assert layer["Content"]["CodeSha256"] == manifest["layer"]["base64sha256"]


def test_plan_right_after_up_proposes_no_changes(deployed: Deployed) -> None:
    result = deployed.invoke("plan")
    assert "No changes planned for emulator on the emulator" in result.stdout, result.stdout[-6000:]


def test_an_uploaded_jpeg_gets_a_thumbnail_from_the_real_handler(deployed: Deployed) -> None:
    s3 = deployed.client("s3")
    bucket = deployed.outputs()["media_bucket_name"]
    key = "uploads/e2e/Ünïcode and spaces+plus.jpg"
    s3.put_object(Bucket=bucket, Key=key, Body=sample_jpeg(), ContentType="image/jpeg")
    target = "thumbnails/e2e/Ünïcode and spaces+plus.jpg"
    wait_for(lambda: s3.list_objects_v2(Bucket=bucket, Prefix=target).get("KeyCount"))
    obj = s3.get_object(Bucket=bucket, Key=target)
    assert obj["ContentType"] == "image/jpeg"
    with Image.open(io.BytesIO(obj["Body"].read())) as thumb:
        assert thumb.size == (150, 200)  # 4000x3000 shot with EXIF "rotate 90°"


def test_a_non_image_is_rejected_with_a_log_line_and_no_thumbnail(deployed: Deployed) -> None:
    s3 = deployed.client("s3")
    bucket = deployed.outputs()["media_bucket_name"]
    s3.put_object(Bucket=bucket, Key="uploads/e2e/notes.jpg", Body=b"meeting notes, not a photo")
    assert deployed.control.wait_async(60)
    logs = deployed.client("logs")
    group = deployed.outputs()["functions"]["thumbnails"]["log_group_name"]
    lines = wait_for(lambda: logs.filter_log_events(logGroupName=group, filterPattern='"image rejected"')["events"])
    record = json.loads(lines[-1]["message"])
    assert (record["key"], record["error"]) == ("uploads/e2e/notes.jpg", "not_an_image")
    assert s3.list_objects_v2(Bucket=bucket, Prefix="thumbnails/e2e/notes").get("KeyCount") == 0


@pytest.mark.documents("services.md", "S3's own failures are retried; uploads cannot loop")
def test_thumbnails_never_trigger_the_function(deployed: Deployed) -> None:
    s3 = deployed.client("s3")
    bucket = deployed.outputs()["media_bucket_name"]
    before = len(deployed.control.invocations("platform-local-thumbnails"))
    s3.put_object(Bucket=bucket, Key="uploads/e2e/once.png", Body=sample_jpeg(800, 600, orientation=1))
    wait_for(lambda: s3.list_objects_v2(Bucket=bucket, Prefix="thumbnails/e2e/once").get("KeyCount"))
    assert deployed.control.wait_async(60)
    time.sleep(0.5)
    after = deployed.control.invocations("platform-local-thumbnails")[before:]
    assert [(i["source"], i["attempt"], i["errored"]) for i in after] == [("aws:s3", 1, False)]


def test_the_invoke_task_runs_a_function_with_an_event_file(deployed: Deployed, tmp_path: Path) -> None:
    s3 = deployed.client("s3")
    bucket = deployed.outputs()["media_bucket_name"]
    s3.put_object(Bucket=bucket, Key="uploads/albums/summer 2026/beach ü.jpg", Body=sample_jpeg(1200, 900, 1))
    result = deployed.invoke(
        "fn.invoke", "--function", "thumbnails", "--event", str(ROOT / "events/s3-object-created.json")
    )
    assert "START RequestId:" in result.stdout and "REPORT RequestId:" in result.stdout
    payload = json.loads(result.stdout.split("Result:", 1)[1])
    assert payload["created"][0]["thumbnail_key"] == "thumbnails/albums/summer 2026/beach ü.jpg"


def test_the_invoke_task_explains_a_wrong_function_name(deployed: Deployed) -> None:
    result = deployed.invoke("fn.invoke", "--function", "nope", "--event", "events/s3-object-created.json", check=False)
    assert result.returncode == 1
    assert "error: no function named 'nope'" in result.stderr
    assert "known functions: " + ", ".join(sorted(deployed.manifest["functions"])) in result.stderr


def test_a_second_up_reuses_the_emulator_and_skips_terraform(deployed: Deployed) -> None:
    pid = deployed.control.require().pid
    result = deployed.invoke("up")
    assert "Reusing the emulator" in result.stderr
    # nothing changed since the last apply: same instance, build, infra/ and variables
    assert "emulator on the emulator already runs this build and infra/: no Terraform" in result.stderr
    assert "Planning" not in result.stderr and "Apply complete" not in result.stdout
    assert len((result.stdout + result.stderr).strip().splitlines()) < 15, result.stdout + result.stderr
    verbose = deployed.invoke("up", "--verbose")
    assert "media_bucket_name" in verbose.stdout  # the outputs table
    assert deployed.control.require().pid == pid
