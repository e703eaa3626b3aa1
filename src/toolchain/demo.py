"""The README's demo: upload a photo to the deployed bucket and watch the real handler make its thumbnail."""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw


def sample_jpeg(width: int = 4000, height: int = 3000, orientation: int = 6) -> bytes:
    """A 12 MP photo-like JPEG whose EXIF says "rotate 90° clockwise", as phones write them."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 20):
        shade = int(255 * y / height)
        draw.rectangle([0, y, width, y + 20], fill=(shade, 120, 255 - shade))
    draw.ellipse([width // 4, height // 4, 3 * width // 4, 3 * height // 4], fill=(250, 200, 40))
    draw.rectangle([0, 0, width // 8, height // 8], fill=(255, 255, 255))  # marks the top-left corner
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


@dataclass(frozen=True)
class DemoResult:
    source_key: str
    source_size: int
    thumbnail_key: str
    thumbnail_size: int
    thumbnail_dimensions: tuple[int, int]
    seconds: float
    log_lines: list[str]


def run_demo(s3: Any, logs: Any, bucket: str, upload_prefix: str, thumbnail_prefix: str, log_group: str,
             timeout: float = 60.0) -> DemoResult:  # fmt: skip
    photo = sample_jpeg()
    # A key that must survive S3's URL-encoding in the event: a space, a plus and a non-ASCII letter.
    relative = "demo/holiday photo+1 ü.jpg"
    source_key = upload_prefix + relative
    thumbnail_key = thumbnail_prefix + relative
    started = time.monotonic()
    s3.put_object(Bucket=bucket, Key=source_key, Body=photo, ContentType="image/jpeg")
    while True:
        try:
            head = s3.head_object(Bucket=bucket, Key=thumbnail_key)
            if head["LastModified"] is not None:
                break
        except s3.exceptions.ClientError:
            pass
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"no thumbnail at s3://{bucket}/{thumbnail_key} after {timeout:.0f} s")
        time.sleep(0.2)
    seconds = time.monotonic() - started
    data = s3.get_object(Bucket=bucket, Key=thumbnail_key)["Body"].read()
    with Image.open(io.BytesIO(data)) as thumbnail:
        dimensions = thumbnail.size
    events = logs.filter_log_events(logGroupName=log_group, filterPattern='"thumbnail created"')["events"]
    return DemoResult(source_key, len(photo), thumbnail_key, len(data), dimensions, seconds,
                      [e["message"] for e in events][-3:])  # fmt: skip


def slack_headers(secret: str, body: str, now: float) -> dict[str, str]:
    """The headers Slack signs a slash command with (v0, HMAC-SHA256 of the timestamp and body)."""
    import hashlib
    import hmac

    stamp = str(int(now))
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded"}  # fmt: skip


def run_api_demo(api_url: str, token: str, slack_secret: str) -> list[str]:
    """Call the users API with a token its authorizer accepts and the Slack bot with a signed command."""
    from urllib.parse import urlencode

    import requests

    now = int(time.time())
    auth = {"Authorization": "Bearer " + token}
    lines = []
    created = requests.post(f"{api_url}/users", json={"name": "Ada Lovelace", "email": f"ada+{now}@example.com"},
                            headers=auth, timeout=30)  # fmt: skip
    lines.append(f"POST /users -> {created.status_code} {created.text}")
    listed = requests.get(f"{api_url}/users?limit=2", headers=auth, timeout=30)
    lines.append(f"GET /users?limit=2 -> {listed.status_code} ({len(listed.json().get('items', []))} users)")
    lines.append(f"GET /users without a token -> {requests.get(f'{api_url}/users', timeout=30).status_code}")
    body = urlencode({"command": "/weather", "text": "Lisbon", "user_id": "U1"})
    headers = slack_headers(slack_secret, body, time.time())
    answer = requests.post(f"{api_url}/slack/commands", data=body, headers=headers, timeout=30)
    lines.append(f"POST /slack/commands /weather Lisbon -> {answer.status_code} {answer.text}")
    return lines
