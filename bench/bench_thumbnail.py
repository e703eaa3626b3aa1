"""Thumbnail of a 12 MP JPEG: the handler's reduced-scale decode against a full-resolution decode.

Each variant runs in a fresh child process so that its peak RSS is its own.
"""

from __future__ import annotations

import io
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 15

CHILD = r"""
import io, json, sys, time
sys.path.insert(0, sys.argv[1] + "/src")
from PIL import Image, ImageOps
from lambdas.services.thumbnails.imaging import render_thumbnail

data = open(sys.argv[2], "rb").read()
variant, runs = sys.argv[3], int(sys.argv[4])

def full_decode():
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        image = ImageOps.exif_transpose(image)
        image.thumbnail((200, 200), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85, optimize=True)
        return image.size

def reduced():
    thumb = render_thumbnail(io.BytesIO(data), box=200, max_pixels=50_000_000)
    return thumb.width, thumb.height

action = reduced if variant == "reduced" else full_decode
times = []
for _ in range(runs):
    started = time.perf_counter()
    size = action()
    times.append((time.perf_counter() - started) * 1000)
# VmHWM, not ru_maxrss: on Linux ru_maxrss survives exec, so it would report the parent's peak.
hwm_kb = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"ms": times, "size": size, "rss_mb": hwm_kb / 1024}))
"""


def photo() -> bytes:
    """A 4000x3000 JPEG with photographic noise (flat colours would decode unrealistically fast)."""
    from PIL import Image

    noise = Image.effect_noise((4000, 3000), 60).convert("RGB")
    gradient = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    image = Image.blend(noise, gradient, 0.5)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def main() -> None:
    path = Path("/tmp/bench-12mp.jpg")
    path.write_bytes(photo())
    results = {}
    for variant in ("reduced", "full"):
        out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(path), variant, str(RUNS)],
                             capture_output=True, text=True, check=True)  # fmt: skip
        results[variant] = json.loads(out.stdout)
    print(
        f"| 12 MP JPEG ({path.stat().st_size / 1e6:.1f} MB) -> 200 px thumbnail ({RUNS} runs) | median ms | p90 ms | peak RSS MB |"
    )
    print("|---|---:|---:|---:|")
    labels = {
        "reduced": "handler: JPEG decoded at reduced scale (draft)",
        "full": "full-resolution decode, then resize",
    }
    for variant, label in labels.items():
        ms = sorted(results[variant]["ms"])
        p90 = ms[int(len(ms) * 0.9) - 1]
        print(f"| {label} | {statistics.median(ms):.1f} | {p90:.1f} | {results[variant]['rss_mb']:.0f} |")


if __name__ == "__main__":
    main()
