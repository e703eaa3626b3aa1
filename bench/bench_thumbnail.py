"""Thumbnail of a 12 MP JPEG (4000x3000, EXIF-rotated) and of a 12 MP PNG: the function's path
against plain Pillow.

In one process, interleaved: the handler's `render_thumbnail`; the floor, plain Pillow doing the
same work the shortest way (for the JPEG: `draft` at twice the thumbnail's size, `exif_transpose`,
LANCZOS `thumbnail`, the same encoder settings; for the PNG, which has no reduced decode and no
orientation: open, `thumbnail`, save); and for the JPEG a full-resolution decode, what skipping
`draft` costs. Then each variant's peak memory, in a fresh process of its own.
"""

from __future__ import annotations

import io
import math
import subprocess
import sys
import tempfile

from harness import ROOT, interleaved, median, percentile, result, table, timed
from PIL import Image, ImageOps

from lambdas.services.thumbnails.imaging import JPEG_QUALITY, render_thumbnail

BOX = 200
ROUNDS = 15


def photo(sigma: int = 60) -> bytes:
    """Photographic noise (flat colours would decode unrealistically fast), tagged 'rotate 90°'.
    sigma 60 makes a 6.7 MB file (the worst case: entropy decoding dominates), 20 a 4.3 MB one."""
    noise = Image.effect_noise((4000, 3000), sigma).convert("RGB")
    gradient = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    image = Image.blend(noise, gradient, 0.5)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def plain(data: bytes, draft: bool) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        if draft:
            scale = BOX * 2 / max(image.size)
            image.draft("RGB", (math.ceil(image.width * scale), math.ceil(image.height * scale)))
        image = ImageOps.exif_transpose(image)
        image.thumbnail((BOX, BOX), Image.Resampling.LANCZOS)
        image.save(io.BytesIO(), "JPEG", quality=JPEG_QUALITY, optimize=True)
        return image.size


def png_picture() -> bytes:
    noise = Image.effect_noise((4000, 3000), 40).convert("RGB")
    out = io.BytesIO()
    Image.blend(noise, Image.linear_gradient("L").resize((4000, 3000)).convert("RGB"), 0.5).save(out, "PNG")
    return out.getvalue()


def plain_png(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail((BOX, BOX), Image.Resampling.LANCZOS)
        image.save(io.BytesIO(), "PNG", optimize=True)
        return image.size


def project(data: bytes) -> tuple[int, int]:
    thumb = render_thumbnail(io.BytesIO(data), box=BOX, max_pixels=50_000_000)
    return thumb.width, thumb.height


CHILD = r"""
import sys
sys.path[:0] = [sys.argv[1] + "/src", sys.argv[1] + "/bench"]
import bench_thumbnail as b
data = open(sys.argv[3], "rb").read()
before = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:"))
{"project": lambda: b.project(data), "floor": lambda: b.plain(data, True), "full": lambda: b.plain(data, False),
 "png floor": lambda: b.plain_png(data)}[sys.argv[2]]()
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print((peak - before) / 1024)
"""


def peak_mb(variant: str, data: bytes) -> float:
    with tempfile.NamedTemporaryFile(suffix=".img") as file:
        file.write(data)
        file.flush()
        out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), variant, file.name], capture_output=True,
                             text=True, check=True)  # fmt: skip
    return float(out.stdout)


def main() -> None:
    labels = {"project": "the function: `render_thumbnail`", "floor": "floor: Pillow, draft at twice the output",
              "full": "Pillow, full-resolution decode"}  # fmt: skip
    worst: dict[str, list[float]] = {}
    for sigma in (60, 20):
        data = photo(sigma)
        assert project(data) == plain(data, True) == plain(data, False) == (150, 200)
        samples = interleaved({"project": lambda data=data: timed(lambda: project(data)) * 1000,
                               "floor": lambda data=data: timed(lambda: plain(data, True)) * 1000,
                               "full": lambda data=data: timed(lambda: plain(data, False)) * 1000}, rounds=ROUNDS)  # fmt: skip
        rows = [[label, f"{median(samples[k]):.1f}", f"{percentile(samples[k], 0.9):.1f}", f"{peak_mb(k, data):.0f}"]
                for k, label in labels.items()]  # fmt: skip
        table(f"12 MP JPEG ({len(data) / 1e6:.1f} MB) -> {BOX} px thumbnail ({ROUNDS} runs, interleaved)",
              ["median ms", "p90 ms", "memory while decoding MB"], rows)  # fmt: skip
        print(f"\nfull decode / function: {median(samples['full']) / median(samples['project']):.1f}x")
        worst = worst or samples
    data = png_picture()
    assert project(data) == plain_png(data) == (200, 150)
    png = interleaved({"project": lambda: timed(lambda: project(data)) * 1000,
                       "floor": lambda: timed(lambda: plain_png(data)) * 1000}, rounds=ROUNDS // 3)  # fmt: skip
    table(f"12 MP PNG ({len(data) / 1e6:.1f} MB) -> {BOX} px thumbnail ({ROUNDS // 3} runs, interleaved)",
          ["median ms", "p90 ms", "memory while decoding MB"],
          [["the function: `render_thumbnail`", f"{median(png['project']):.1f}", f"{percentile(png['project'], 0.9):.1f}",
            f"{peak_mb('project', data):.0f}"],
           ["floor: Pillow, open, thumbnail, save", f"{median(png['floor']):.1f}", f"{percentile(png['floor'], 0.9):.1f}",
            f"{peak_mb('png floor', data):.0f}"]])  # fmt: skip
    result("thumbnail_ms", median(worst["project"]), median(worst["floor"]))
    result("thumbnail_png_ms", median(png["project"]), median(png["floor"]))


if __name__ == "__main__":
    main()
