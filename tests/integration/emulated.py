"""A function for the emulator's own tests: its handler acts on the event (ok, fail, sleep, allocate,
write to S3), keeps event-source batches in the `captured` bucket, and uses a layer."""

from __future__ import annotations

import io
import textwrap
import time
import zipfile
from typing import Any

HANDLER = """
import json, os, time
import boto3

def handler(event, context):
    if "Records" in event:  # an event source: keep the event for the test, fail on poison
        import uuid
        records = event["Records"]
        source = records[0].get("eventSource") or records[0].get("EventSource")
        if source == "aws:dynamodb":  # the handler reads back the table that called it, as handlers do
            table = records[0]["eventSourceARN"].split(":table/")[1].split("/")[0]
            ddb = boto3.client("dynamodb")
            event["read_back"] = [ddb.get_item(TableName=table, Key=r["dynamodb"]["Keys"]).get("Item") for r in records]
        boto3.client("s3").put_object(Bucket="captured", Key=f"{source}/{uuid.uuid4()}", Body=json.dumps(event))
        if any("poison" in r.get("body", "") for r in records):
            raise ValueError("poison in the batch")
        return {"records": len(records)}
    action = event.get("action")
    if action == "fail":
        raise RuntimeError("asked to fail")
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "allocate":  # touch every page, so the memory is really resident
        held = bytearray(event["mb"] * 2**20)
        for index in range(0, len(held), 4096):
            held[index] = 1
    if action == "s3":
        s3 = boto3.client("s3")
        s3.put_object(Bucket=event["bucket"], Key="from-handler.txt", Body=b"written by the handler")
    print("handled", json.dumps(event)[:60])
    return {"pid": os.getpid(), "version": VERSION, "remaining": context.get_remaining_time_in_millis(),
            "greeting": os.environ.get("GREETING"), "helper": __import__("helper").VALUE,
            "endpoint": os.environ.get("AWS_ENDPOINT_URL")}

VERSION = "__VERSION__"
"""


def code_zip(version: str = "1") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("app.py", textwrap.dedent(HANDLER).replace("__VERSION__", version))
    return out.getvalue()


def layer_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("python/helper.py", "VALUE = 'from the layer'\n")
    return out.getvalue()


def behind_live(lam: Any, role: str, layer_arn: str, prefix: str, **alias: Any) -> str:
    """A new function (code_zip, version 1 published) and its `live` alias on version 1; its name."""
    name = f"{prefix}-{time.time_ns()}"
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": code_zip("1")}, Timeout=10, Layers=[layer_arn], Publish=True)  # fmt: skip
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1", **alias)
    return name
