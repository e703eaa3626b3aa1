"""Shared fixtures: the repository, sample events, images made with Pillow, and an AWS-free environment."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
CORPUS = ROOT / "tests" / "corpus"  # files from outside the project (tests/corpus/README.md)


@pytest.fixture(autouse=True)
def _aws_free_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach a real AWS account or read the developer's credentials."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "PlatformTests")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "tests")


@pytest.fixture
def load_event() -> Callable[..., dict[str, Any]]:
    def load(name: str, **placeholders: str) -> dict[str, Any]:
        text = (EVENTS / name).read_text()
        for key, value in placeholders.items():
            text = text.replace("{{" + key + "}}", value)
        return json.loads(text)

    return load


def make_image(
    fmt: str = "JPEG",
    size: tuple[int, int] = (1200, 800),
    mode: str = "RGB",
    orientation: int | None = None,
    **save: Any,
) -> bytes:
    color = (30, 140, 200, 128)[: len(mode)] if mode in ("RGB", "RGBA") else 128
    image = Image.new(mode, size, color)
    # A white block in the top-left corner shows where "up" ended after EXIF rotation.
    image.paste(
        (255, 255, 255, 255)[: len(mode)] if mode in ("RGB", "RGBA") else 255, (0, 0, size[0] // 4, size[1] // 4)
    )
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        save["exif"] = exif
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


@pytest.fixture
def image_bytes() -> Callable[..., bytes]:
    return make_image
