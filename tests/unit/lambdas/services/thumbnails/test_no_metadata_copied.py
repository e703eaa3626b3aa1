"""No text or tag of the source reaches a thumbnail: the output's containers hold an allow-list of blocks.

Outside inputs: files from Pillow's own test suite that carry a JPEG comment (COM), EXIF, XMP,
Photoshop/IPTC blocks, PNG text chunks and a GIF comment (tests/corpus/pillow). Each thumbnail is
read block by block (JPEG markers, PNG chunks, RIFF chunks), not through Pillow, and every block not
on the list of pixel and colour blocks fails the test.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator

import pytest

from lambdas.services.thumbnails.imaging import render_thumbnail
from tests.conftest import CORPUS, make_image

PILLOW = CORPUS / "pillow"
# (file, a metadata block it carries that the thumbnail must not)
WITH_METADATA = {
    "hopper.jpg": "COM",
    "photoshop-200dpi.jpg": "APP13",
    "xmp_padded.jpg": "APP1",
    "multiple_comments.gif": "comment",
    "7x13.png": "iTXt",
    "color_snakes.png": "iTXt",
    "flower2.webp": "XMP ",
}
# Blocks that are pixels, their layout, or the colour profile the docs allow.
ALLOWED = {
    "JPEG": {"SOI", "APP0", "APP2", "APP14", "DQT", "SOF0", "SOF1", "SOF2", "DHT", "DRI", "SOS", "EOI"},
    "PNG": {"IHDR", "PLTE", "IDAT", "IEND", "tRNS", "iCCP"},
    "WEBP": {"VP8 ", "VP8L", "VP8X", "ALPH", "ICCP"},
}
_JPEG_NAMES = {0xD8: "SOI", 0xD9: "EOI", 0xDA: "SOS", 0xDB: "DQT", 0xC4: "DHT", 0xDD: "DRI", 0xFE: "COM",
               **{0xE0 + n: f"APP{n}" for n in range(16)}, **{0xC0 + n: f"SOF{n}" for n in (0, 1, 2, 3)}}  # fmt: skip


def jpeg_blocks(data: bytes) -> Iterator[str]:
    at = 2
    yield "SOI"
    while at < len(data):
        assert data[at] == 0xFF, at
        marker = data[at + 1]
        name = _JPEG_NAMES.get(marker, f"0x{marker:02X}")
        yield name
        if name == "SOS":
            yield "EOI" if data.endswith(b"\xff\xd9") else "no EOI"
            return
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        at += 2 + length


def png_blocks(data: bytes) -> Iterator[str]:
    at = 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        yield kind.decode("latin-1")
        at += 12 + length


def webp_blocks(data: bytes) -> Iterator[str]:
    at = 12
    while at < len(data):
        kind, length = struct.unpack("<4sI", data[at : at + 8])
        yield kind.decode("latin-1")
        at += 8 + length + (length & 1)


def blocks(data: bytes, fmt: str) -> list[str]:
    return list({"JPEG": jpeg_blocks, "PNG": png_blocks, "WEBP": webp_blocks}[fmt](data))


def source_metadata(name: str) -> set[str]:
    data = (PILLOW / name).read_bytes()
    if name.endswith(".gif"):
        return {"comment"} if b"\x21\xfe" in data else set()  # GIF's comment extension
    fmt = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[name.rsplit(".", 1)[1]]
    return set(blocks(data, fmt))


@pytest.mark.documents("services.md", "No metadata is copied")
@pytest.mark.parametrize("name", sorted(WITH_METADATA))
def test_a_thumbnail_holds_only_pixel_and_profile_blocks(name: str) -> None:
    # GIVEN a real file carrying metadata (checked: the block is really in it)
    assert WITH_METADATA[name] in source_metadata(name)
    # WHEN its thumbnail is made
    thumbnail = render_thumbnail(io.BytesIO((PILLOW / name).read_bytes()), box=64, max_pixels=50_000_000)
    # THEN every block of the output is on the allow-list
    found = blocks(thumbnail.data, thumbnail.format)
    assert set(found) <= ALLOWED[thumbnail.format], found


@pytest.mark.documents("services.md", "No metadata is copied")
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_text_put_into_any_source_by_any_means_stays_out(fmt: str) -> None:
    from PIL import Image, PngImagePlugin

    secret = "do-not-copy: 51.5N 0.1W"
    options: dict = {"JPEG": {"comment": secret}, "WEBP": {"xmp": secret.encode()}, "PNG": {}}[fmt]
    if fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_itxt("Comment", secret)
        options["pnginfo"] = text
    exif = Image.Exif()
    exif[0x010E] = secret  # ImageDescription
    source = make_image(fmt, (400, 300), exif=exif.tobytes(), **options)
    assert secret.encode() in source
    thumbnail = render_thumbnail(io.BytesIO(source), box=64, max_pixels=50_000_000)
    assert secret.encode() not in thumbnail.data
    assert set(blocks(thumbnail.data, thumbnail.format)) <= ALLOWED[thumbnail.format]
