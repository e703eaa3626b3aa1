"""Thumbnail rendering with Pillow: untrusted bytes in, a small image out. No AWS here.

The source is never decoded blindly: only a short list of decoders is enabled, the pixel count is
checked from the header before any pixel is decoded, and JPEGs are decoded at a reduced scale
(DCT scaling) so a 12 MP photo never exists in memory at full size.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from functools import cache
from typing import BinaryIO

from PIL import Image, ImageCms, ImageMath, ImageOps, UnidentifiedImageError

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
# What of image.info an encoder may see: pixel data only (a PNG's tRNS key), never text or tags.
KEPT_INFO = frozenset({"transparency"})

# Decode JPEGs at no less than this multiple of the box, then resample down: keeps LANCZOS quality.
REDUCING_GAP = 2
JPEG_QUALITY = 85
# A profile larger than this is applied to the pixels rather than copied: sRGB v2 is 3 KB, Display
# P3 and Adobe RGB under 1 KB; a 400 KB profile would be 99% of a 200 px thumbnail.
MAX_ICC_BYTES = 8 * 1024


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


ORIENTATION = 0x0112  # the EXIF tag; 1 is upright, 2-8 are the mirrored and rotated ones
_TURNED = frozenset(range(2, 9))


def _decode(image: Image.Image, box: int) -> Image.Image:
    if image.format in ("JPEG", "MPO"):
        # The JPEG decoder scales by 1/2, 1/4 or 1/8 while decoding: ask for REDUCING_GAP times the
        # thumbnail's own size (not a square, which would rule out 1/8 for a 4:3 photo).
        width, height = image.size
        scale = box * REDUCING_GAP / max(width, height)
        image.draft("RGB", (max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            if image.getexif().get(ORIENTATION, 1) in _TURNED:
                return ImageOps.exif_transpose(image)
            return image  # upright already: exif_transpose would still copy every decoded pixel
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DecompressionBomb(f"refused while decoding: {exc}") from None
    except MemoryError:
        raise
    except Exception as exc:  # decoder errors on hostile input come in every type Pillow has
        message = str(exc)
        if "truncated" in message.lower():
            raise TruncatedImage(f"image data ends early: {message}") from None
        raise CorruptImage(f"image data cannot be decoded: {type(exc).__name__}: {message}") from None


def _eight_bit(image: Image.Image) -> Image.Image:
    """Samples of more than 8 bits scaled to 8, never clipped (a 16-bit grey clipped is all white).

    16-bit samples are divided by 256, unless every sample fits in 8 bits (8-bit data in a 16-bit
    container, as some scientific TIFFs hold). 32-bit integers and floats are read the same way when
    they fit 0-255 or 0-65535 (floats in 0-1 are scaled by 255); otherwise their range is stretched.
    """
    transparent = image.info.get("transparency")
    deep = image.convert("I") if image.mode.startswith("I;16") else image
    low, high = deep.getextrema()
    if image.mode == "F" and low >= 0 and high <= 1:
        scale, offset = 255.0, 0.0
    elif low >= 0 and high <= 255:
        scale, offset = 1.0, 0.0
    elif low >= 0 and high <= 65535 and image.mode != "F":
        scale, offset = 1 / 256, 0.0
    elif high > low:
        scale = 255.0 / (high - low)
        offset = -low * scale
    else:  # one value beyond every range: as near to it as 8 bits go
        scale, offset = 1.0, 0.0
    grey = deep.point(lambda v: v * scale + offset).convert("L")
    if isinstance(transparent, int) and image.mode != "F":
        # A tRNS key on a 16-bit grey: the pixels equal to it become transparent.
        alpha = ImageMath.lambda_eval(lambda a: (a["im"] != transparent) * 255, im=deep).convert("L")
        grey = Image.merge("LA", (grey, alpha))
    return grey


def _workable(image: Image.Image) -> Image.Image:
    """A mode the resampler and the colour handling work on: L, LA, RGB, RGBA, CMYK (kept for its
    profile) or, from any other mode Pillow opens, the nearest of them."""
    mode = image.mode
    if mode in ("L", "LA", "RGB", "RGBA", "CMYK"):
        return image
    if mode.startswith("I") or mode == "F":
        return _eight_bit(image)
    has_alpha = mode in ("PA", "La", "RGBa") or "transparency" in image.info
    if mode == "1":
        return image.convert("L")
    if mode == "La":
        return image.convert("LA")
    return image.convert("RGBA" if has_alpha else "RGB")


_SPACES = {"RGB": "RGB", "RGBA": "RGB", "L": "GRAY", "LA": "GRAY", "CMYK": "CMYK"}


def _model(mode: str) -> str | None:
    """The colour model a decoded mode's samples are in: what a profile for them must describe."""
    if mode in ("1", "L", "LA", "La", "F") or mode.startswith("I"):
        return "GRAY"
    if mode in ("P", "PA", "RGB", "RGBA", "RGBa", "RGBX", "YCbCr"):
        return "RGB"
    return {"CMYK": "CMYK", "LAB": "Lab"}.get(mode)


def _profile_space(icc: bytes) -> str | None:
    """The colour space an ICC profile describes (its header's data colour space field)."""
    return icc[16:20].decode("ascii", "replace").strip() if len(icc) >= 128 else None


@cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image | None:
    """Pixels converted from their embedded profile to sRGB (alpha kept), or None if lcms refuses."""
    alpha = image.getchannel("A") if image.mode in ("RGBA", "LA") else None
    colour = image.convert({"RGBA": "RGB", "LA": "L"}.get(image.mode, image.mode)) if alpha else image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(colour, source, _srgb(), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None
    if converted is None:
        return None
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


def _colour(image: Image.Image, icc: bytes | None) -> tuple[Image.Image, bytes | None]:
    """The image in L, LA, RGB or RGBA, and the profile to embed: the source's only where it describes
    these pixels and is small; a CMYK or oversized profile is applied (converted to sRGB) instead."""
    space = _profile_space(icc) if icc else None
    if icc is not None and space == _SPACES.get(image.mode):
        if len(icc) <= MAX_ICC_BYTES and image.mode != "CMYK":
            return image, icc
        if space != "GRAY":
            converted = _to_srgb(image, icc)
            if converted is not None:
                return converted, None
    # No profile, an oversized grey one, or one lcms cannot read: the pixels as they are, read as sRGB.
    if image.mode == "CMYK":
        return image.convert("RGB"), None
    return image, None


def _for_format(image: Image.Image, icc: bytes | None, fmt: str) -> tuple[Image.Image, bytes | None]:
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        return image.convert("RGB" if image.mode == "RGBA" else "L"), icc
    if fmt == "WEBP" and image.mode in ("L", "LA"):
        # WebP has no greyscale: the grey becomes RGB, which a GRAY profile no longer describes.
        return image.convert("RGB" if image.mode == "L" else "RGBA"), None
    return image, icc


def render_thumbnail(source: BinaryIO, *, box: int, max_pixels: int) -> Thumbnail:
    """A thumbnail that fits in `box` x `box`, aspect ratio kept and EXIF orientation applied.

    Raises NotAnImage, CorruptImage (TruncatedImage) or DecompressionBomb for input that can never
    make a thumbnail. Every mode Pillow opens comes out as 8-bit L, LA, RGB or RGBA. Metadata (EXIF,
    GPS, text) is not copied; the colour profile is, only where it describes the output and is at
    most MAX_ICC_BYTES (otherwise the pixels are converted to sRGB).
    """
    with _open(source, max_pixels) as opened:
        source_format = opened.format or ""
        source_width, source_height = opened.size
        fmt = output_format(source_format)
        decoded = _decode(opened, box)
        decoded_width, decoded_height = opened.size
        icc_profile = opened.info.get("icc_profile") or None
        if icc_profile is not None and _profile_space(icc_profile) != _model(decoded.mode):
            icc_profile = None  # it cannot describe these pixels (a broken or mislabelled file)
        image = _workable(decoded)
        image.thumbnail((box, box), Image.Resampling.LANCZOS)
        image, icc_profile = _for_format(*_colour(image, icc_profile), fmt)
        # Encoders fall back to image.info for what the call does not pass (JPEG and GIF write its
        # "comment", PNG its "icc_profile", newer Pillows may add more): by allow-list, nothing of the
        # source's metadata reaches the file but the transparency key; the profile is passed below.
        image.info = {key: value for key, value in image.info.items() if key in KEPT_INFO}
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
