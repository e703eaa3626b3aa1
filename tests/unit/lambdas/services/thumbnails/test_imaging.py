"""Thumbnail rendering on real images made with Pillow: sizes, orientation, formats, hostile input."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from lambdas.services.thumbnails.imaging import (
    CorruptImage,
    DecompressionBomb,
    NotAnImage,
    TruncatedImage,
    render_thumbnail,
)
from tests.conftest import make_image

BOX = 200
LIMIT = 50_000_000


def render(data: bytes, max_pixels: int = LIMIT):
    return render_thumbnail(io.BytesIO(data), box=BOX, max_pixels=max_pixels)


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(
    ("size", "expected"),
    [((1200, 800), (200, 133)), ((800, 1200), (133, 200)), ((4000, 1000), (200, 50)), ((640, 640), (200, 200))],
)
@pytest.mark.documents("services.md", "A thumbnail per upload")
def test_fits_the_box_and_keeps_the_aspect_ratio(size: tuple[int, int], expected: tuple[int, int]) -> None:
    thumb = render(make_image("JPEG", size))
    assert (thumb.width, thumb.height) == expected
    assert opened(thumb.data).size == expected


def test_small_images_are_not_enlarged() -> None:
    thumb = render(make_image("PNG", (120, 90)))
    assert (thumb.width, thumb.height) == (120, 90)


@pytest.mark.documents("services.md", "A thumbnail per upload")
def test_exif_orientation_is_applied_and_not_copied() -> None:
    # Orientation 6: the camera was rotated; the stored 1200x800 pixels display as 800x1200.
    thumb = render(make_image("JPEG", (1200, 800), orientation=6))
    assert (thumb.width, thumb.height) == (133, 200)
    result = opened(thumb.data)
    assert 0x0112 not in result.getexif()
    # The white top-left block of the stored image is now at the top-right.
    assert result.getpixel((result.width - 5, 5))[0] > 240
    assert result.getpixel((5, 5))[0] < 100


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF", "TIFF", "BMP"])
def test_an_upright_image_is_never_copied_at_full_size(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a 12 MP image in a format decoded at full size, with no orientation to apply
    data = make_image(fmt, (4000, 3000))
    copies: list[tuple[int, int]] = []
    real_copy = Image.Image.copy
    monkeypatch.setattr(Image.Image, "copy", lambda self: copies.append(self.size) or real_copy(self))
    # WHEN its thumbnail is made, THEN no 12 MP copy of the pixels was (36 MB more memory, ~10% more time)
    thumb = render(data)
    assert (thumb.width, thumb.height) == (200, 150)
    assert not [size for size in copies if size[0] * size[1] > 4 * BOX * BOX]


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_exif_orientation_is_applied_in_every_format_that_carries_it(fmt: str) -> None:
    thumb = render(make_image(fmt, (1200, 800), orientation=6))
    assert (thumb.width, thumb.height) == (133, 200)


@pytest.mark.documents("services.md", "Hostile or broken images")
def test_large_jpegs_are_decoded_at_reduced_scale() -> None:
    thumb = render(make_image("JPEG", (4000, 3000), quality=85))
    assert (thumb.source_width, thumb.source_height) == (4000, 3000)
    # DCT scaling decodes at 1/2 .. 1/8: never the full 12 MP, never less than twice the box.
    assert thumb.decoded_width <= 1000
    assert thumb.decoded_width >= 2 * BOX
    assert (thumb.width, thumb.height) == (200, 150)


@pytest.mark.parametrize(
    ("fmt", "mode", "expected_format", "expected_mode"),
    [
        ("JPEG", "RGB", "JPEG", "RGB"),
        ("PNG", "RGBA", "PNG", "RGBA"),
        ("PNG", "L", "PNG", "L"),
        ("WEBP", "RGB", "WEBP", "RGB"),
        ("GIF", "P", "PNG", None),
        ("BMP", "RGB", "PNG", "RGB"),
        ("TIFF", "RGB", "PNG", "RGB"),
    ],
)
@pytest.mark.documents("services.md", "A thumbnail per upload")
def test_output_keeps_the_format_where_sensible(fmt: str, mode: str, expected_format: str, expected_mode) -> None:
    thumb = render(make_image(fmt, (600, 400), mode=mode))
    result = opened(thumb.data)
    assert thumb.format == result.format == expected_format
    if expected_mode:
        assert result.mode == expected_mode
    assert thumb.content_type == f"image/{expected_format.lower()}"


@pytest.mark.parametrize(
    "data",
    [b"", b"hello, not an image", b"%PDF-1.7\n...", b"\x89PNG\r\n\x1a\n" + b"\x00" * 3, b"GIF89a"],
)
def test_non_images_are_rejected(data: bytes) -> None:
    with pytest.raises((NotAnImage, CorruptImage)):
        render(data)


@pytest.mark.documents("services.md", "Hostile or broken images")
def test_formats_outside_the_list_are_rejected_even_if_pillow_reads_them() -> None:
    with pytest.raises(NotAnImage):
        render(make_image("ICO", (64, 64)))


@pytest.mark.documents("services.md", "Hostile or broken images")
def test_truncated_jpeg_is_rejected() -> None:
    data = make_image("JPEG", (1600, 1200), quality=95)
    with pytest.raises(TruncatedImage):
        render(data[: len(data) // 3])


def test_truncated_png_is_rejected() -> None:
    data = make_image("PNG", (800, 600), mode="RGB")
    with pytest.raises(CorruptImage):
        render(data[: len(data) // 2])


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims an enormous canvas: the classic decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.documents("services.md", "Hostile or broken images")
@pytest.mark.parametrize("side", [20_000, 60_000])
def test_decompression_bombs_are_refused_before_decoding(side: int) -> None:
    data = _png_header_only(side, side)
    assert len(data) < 200
    with pytest.raises(DecompressionBomb):
        render(data)


def test_pixel_limit_is_configurable() -> None:
    with pytest.raises(DecompressionBomb, match="exceeds the limit of 100000"):
        render(make_image("PNG", (400, 300)), max_pixels=100_000)
