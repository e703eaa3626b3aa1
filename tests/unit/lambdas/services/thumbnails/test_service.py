"""The thumbnail use case with an in-memory object store (the S3 adapter is tested against moto)."""

from __future__ import annotations

import pytest

from lambdas.common.events import S3ObjectRef
from lambdas.services.thumbnails.imaging import NotAnImage
from lambdas.services.thumbnails.service import (
    OutsideUploadPrefix,
    SourceTooLarge,
    create_thumbnail,
    thumbnail_key,
)
from lambdas.services.thumbnails.settings import ThumbnailSettings
from tests.conftest import make_image

SETTINGS = ThumbnailSettings()


class MemoryStore:
    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects
        self.reads: list[str] = []
        self.writes: dict[str, tuple[bytes, str, dict[str, str]]] = {}

    def read(self, ref: S3ObjectRef, *, max_bytes: int) -> bytes:
        self.reads.append(ref.key)
        data = self.objects[ref.key]
        if len(data) > max_bytes:
            raise SourceTooLarge("too large")
        return data

    def write(self, bucket: str, key: str, data: bytes, *, content_type: str, metadata: dict[str, str]) -> None:
        self.writes[key] = (data, content_type, metadata)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("uploads/a.jpg", "thumbnails/a.jpg"),
        ("uploads/a.JPEG", "thumbnails/a.JPEG"),
        ("uploads/x/y/z.png", "thumbnails/x/y/z.png"),
        ("uploads/pic.bmp", "thumbnails/pic.bmp"),
        ("uploads/noext", "thumbnails/noext"),
        ("uploads/holiday photo+1 ü.jpg", "thumbnails/holiday photo+1 ü.jpg"),
    ],
)
@pytest.mark.documents("services.md", "A thumbnail per upload")
def test_thumbnail_key_mirrors_the_upload(source: str, expected: str) -> None:
    assert thumbnail_key(source, SETTINGS) == expected


@pytest.mark.parametrize("key", ["other/a.jpg", "uploads/", "uploads/folder/", "thumbnails/a.jpg"])
def test_keys_outside_the_upload_prefix_are_refused(key: str) -> None:
    with pytest.raises(OutsideUploadPrefix):
        thumbnail_key(key, SETTINGS)


# Uploads whose names differ only by what a format-naming rule would add or change: each pair
# collided when keys were rewritten to name the thumbnail's format.
LOOKALIKES = {
    "uploads/pic.gif": ("GIF", "PNG"),
    "uploads/pic.gif.png": ("PNG", "PNG"),
    "uploads/photo.png": ("WEBP", "WEBP"),  # a WebP under a .png name
    "uploads/photo.png.webp": ("WEBP", "WEBP"),
    "uploads/scan.bmp": ("BMP", "PNG"),
    "uploads/scan.bmp.png": ("PNG", "PNG"),
    "uploads/scan": ("PNG", "PNG"),
    "uploads/scan.png": ("PNG", "PNG"),
    "uploads/a.jpg": ("JPEG", "JPEG"),
    "uploads/a.JPG": ("JPEG", "JPEG"),
    "uploads/a.jpeg": ("JPEG", "JPEG"),
    "uploads/a.jpg.jpg": ("JPEG", "JPEG"),
}


@pytest.mark.documents("services.md", "A thumbnail per upload")
def test_distinct_uploads_never_share_a_thumbnail() -> None:
    # GIVEN uploads whose names differ only by an extension, in formats whose thumbnails change format
    store = MemoryStore({key: make_image(fmt, (64, 48)) for key, (fmt, _) in LOOKALIKES.items()})
    # WHEN each gets its thumbnail
    made = {key: create_thumbnail(S3ObjectRef("b", key, None, None), store, SETTINGS) for key in LOOKALIKES}
    # THEN every one was written to its own key, none overwrote another, and each says its own format
    keys = [result.thumbnail_key for result in made.values()]
    assert len(set(keys)) == len(LOOKALIKES) == len(store.writes)
    for key, (_, output) in LOOKALIKES.items():
        assert store.writes[made[key].thumbnail_key][1] == f"image/{output.lower()}"


def test_creates_the_thumbnail_with_metadata() -> None:
    store = MemoryStore({"uploads/d/ü.jpg": make_image("JPEG", (1000, 500))})
    ref = S3ObjectRef("media", "uploads/d/ü.jpg", version_id="v1")
    result = create_thumbnail(ref, store, SETTINGS)
    data, content_type, metadata = store.writes["thumbnails/d/ü.jpg"]
    assert (result.width, result.height, content_type) == (200, 100, "image/jpeg")
    assert metadata == {"source-key": "uploads/d/%C3%BC.jpg", "source-version-id": "v1"}
    assert result.size == len(data)


def test_never_reads_its_own_output() -> None:
    # GIVEN an event for an object under the thumbnail prefix (a misconfigured notification)
    store = MemoryStore({"thumbnails/a.jpg": make_image()})
    # WHEN it is handled THEN nothing is read and nothing is written
    with pytest.raises(OutsideUploadPrefix):
        create_thumbnail(S3ObjectRef("media", "thumbnails/a.jpg"), store, SETTINGS)
    assert store.reads == []
    assert store.writes == {}


def test_size_from_the_event_is_checked_before_reading() -> None:
    store = MemoryStore({"uploads/big.jpg": b"x"})
    with pytest.raises(SourceTooLarge):
        create_thumbnail(S3ObjectRef("media", "uploads/big.jpg", size=SETTINGS.max_source_bytes + 1), store, SETTINGS)
    assert store.reads == []


def test_a_non_image_writes_nothing() -> None:
    store = MemoryStore({"uploads/notes.txt": b"just text"})
    with pytest.raises(NotAnImage):
        create_thumbnail(S3ObjectRef("media", "uploads/notes.txt"), store, SETTINGS)
    assert store.writes == {}
