"""Thumbnail rendering with Pillow: untrusted bytes in, a small image out. No AWS here.

The source is never decoded blindly: only a short list of decoders is enabled, the pixel count is
checked from the header before any pixel is decoded, and JPEGs are decoded at a reduced scale
(DCT scaling) so a 12 MP photo never exists in memory at full size.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from lambdas.common.exceptions import PayloadTooLarge, UnprocessableContent, UnsupportedMediaType

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")

# Output keeps the source format where a thumbnail in it makes sense. GIF, BMP and TIFF become PNG:
# only the first frame is kept and PNG stores it losslessly at a fraction of the size.
_OUTPUT_FORMAT = {
    "JPEG": "JPEG",
    "MPO": "JPEG",
    "PNG": "PNG",
    "WEBP": "WEBP",
    "GIF": "PNG",
    "BMP": "PNG",
    "TIFF": "PNG",
}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": (".jpg", ".jpeg", ".jpe", ".jfif"), "PNG": (".png",), "WEBP": (".webp",)}

# Decode JPEGs at no less than this multiple of the box, then resample down: keeps LANCZOS quality.
REDUCING_GAP = 2
JPEG_QUALITY = 85


class NotAnImage(UnsupportedMediaType):
    code = "not_an_image"


class CorruptImage(UnprocessableContent):
    code = "corrupt_image"


class TruncatedImage(CorruptImage):
    code = "truncated_image"


class DecompressionBomb(PayloadTooLarge):
    code = "decompression_bomb"


@dataclass(frozen=True)
class Thumbnail:
    data: bytes
    format: str
    width: int
    height: int
    source_format: str
    source_width: int
    source_height: int
    decoded_width: int
    decoded_height: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


def output_format(source_format: str) -> str:
    return _OUTPUT_FORMAT[source_format]


def _open(source: BinaryIO, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(source, formats=ACCEPTED_FORMATS)
    except UnidentifiedImageError:
        raise NotAnImage(f"not an image in an accepted format ({', '.join(ACCEPTED_FORMATS)})") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DecompressionBomb(f"refused before decoding: {exc}") from None
    except Exception as exc:  # any header parser failure on hostile bytes means the same thing
        raise CorruptImage(f"unreadable image header: {type(exc).__name__}: {exc}") from None
    width, height = image.size
    if width <= 0 or height <= 0:
        raise CorruptImage(f"image reports an empty size {width}x{height}")
    if width * height > max_pixels:
        raise DecompressionBomb(
            f"{width}x{height} = {width * height} pixels exceeds the limit of {max_pixels}; refused before decoding"
        )
    return image


def _decode(image: Image.Image, box: int) -> Image.Image:
    if image.format in ("JPEG", "MPO"):
        image.draft("RGB", (box * REDUCING_GAP, box * REDUCING_GAP))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            return ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DecompressionBomb(f"refused while decoding: {exc}") from None
    except MemoryError:
        raise
    except Exception as exc:  # decoder errors on hostile input come in every type Pillow has
        message = str(exc)
        if "truncated" in message.lower():
            raise TruncatedImage(f"image data ends early: {message}") from None
        raise CorruptImage(f"image data cannot be decoded: {type(exc).__name__}: {message}") from None


def _normalise_mode(image: Image.Image, fmt: str) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if fmt == "JPEG":
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if image.mode in ("RGB", "RGBA", "L", "LA"):
        return image
    return image.convert("RGBA" if has_alpha else "RGB")


def render_thumbnail(source: BinaryIO, *, box: int, max_pixels: int) -> Thumbnail:
    """A thumbnail that fits in `box` x `box`, aspect ratio kept and EXIF orientation applied.

    Raises NotAnImage, CorruptImage (TruncatedImage) or DecompressionBomb for input that can never
    make a thumbnail. Metadata (EXIF, GPS) is not copied; the colour profile is.
    """
    with _open(source, max_pixels) as opened:
        source_format = opened.format or ""
        source_width, source_height = opened.size
        fmt = output_format(source_format)
        decoded = _decode(opened, box)
        decoded_width, decoded_height = opened.size
        icc_profile = opened.info.get("icc_profile")
        image = _normalise_mode(decoded, fmt)
        image.thumbnail((box, box), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        options: dict[str, object] = {"icc_profile": icc_profile} if icc_profile else {}
        if fmt == "JPEG":
            options.update(quality=JPEG_QUALITY, optimize=True)
        elif fmt == "PNG":
            options.update(optimize=True)
        elif fmt == "WEBP":
            options.update(quality=JPEG_QUALITY, method=4)
        image.save(out, format=fmt, **options)
        return Thumbnail(
            data=out.getvalue(),
            format=fmt,
            width=image.width,
            height=image.height,
            source_format=source_format,
            source_width=source_width,
            source_height=source_height,
            decoded_width=decoded_width,
            decoded_height=decoded_height,
        )
