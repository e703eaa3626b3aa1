"""Hostile files, as uploaded or served: images, CSV files and shop pages that must be refused by
name (or, for the pages in PAGES_WITH_A_PRICE, read despite how they look)."""

from __future__ import annotations

import gzip
import io
from typing import Any

from PIL import Image


def _jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(out, "JPEG")
    return out.getvalue()


def _png_bomb() -> bytes:
    """A small PNG that claims 30000x30000 pixels (a decompression bomb)."""
    out = io.BytesIO()
    Image.new("1", (30_000, 30_000)).save(out, "PNG", optimize=True)
    return out.getvalue()


def image_files() -> list[tuple[str, bytes]]:
    jpeg = _jpeg()
    return [
        ("empty file", b""),
        ("text named .jpg", b"just text, not an image\n"),
        ("truncated JPEG", jpeg[: len(jpeg) // 2]),
        ("JPEG header only", jpeg[:20]),
        ("decompression bomb PNG", _png_bomb()),
        ("HTML polyglot", b"GIF89a<script>alert(1)</script>"),
        ("gzip bomb named .jpg", gzip.compress(b"\x00" * 5_000_000)),
        ("SVG with external entity", b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                     b'<svg xmlns="http://www.w3.org/2000/svg">&x;</svg>'),
    ]  # fmt: skip


def csv_files() -> list[tuple[str, bytes]]:
    header = b"id,date,amount,region,product\n"
    return [
        ("empty file", b""),
        ("header only", header),
        ("no header", b"s-1,2026-11-01,1,eu,Kettle\n"),
        ("binary", bytes(range(256)) * 40),
        ("UTF-16", (header.decode() + "s-1,2026-11-01,1,eu,Kettle\n").encode("utf-16")),
        ("NUL bytes in rows", header + b"s-1\x00,2026-11-01,1,eu,Kettle\n"),
        ("truncated mid-row", header + b"s-1,2026-11-0"),
        ("every row malformed", header + b"s-1,yesterday,1,eu,K\ns-2,2026-11-01,lots,eu,K\n,,,,\n"),
        ("amounts beyond reason", header + b"s-1,2026-11-01,1e999,eu,K\ns-2,2026-11-01,NaN,eu,K\ns-3,2026-11-01,-Infinity,eu,K\n"),
        ("formula injection", header + b"=cmd|' /C calc'!A0,2026-11-01,1,eu,K\n"),
        ("a 200 KB field", header + b"s-1,2026-11-01,1,eu," + b"K" * 200_000 + b"\n"),
        ("missing columns", b"id,amount\ns-1,1\n"),
        ("unterminated quote", header + b'"s-1,2026-11-01,1,eu,K\n'),
        ("Windows-1252 rows", header + "s-1,2026-11-01,1,eu,Caf\xe9\ns-2,2026-11-01,2,eu,Cr\xe8me\n".encode("cp1252")),
        ("UTF-32 with its BOM", (header.decode() + "s-1,2026-11-01,1,eu,Kettle\n").encode("utf-32")),
        ("UTF-16 without a BOM", (header.decode() + "s-1,2026-11-01,1,eu,Kettle\n").encode("utf-16-le")),
        ("Windows-1252 header", "id,dat\xe9,amount,region,product\ns-1,2026-11-01,1,eu,K\n".encode("cp1252")),
        ("a 40-digit amount", header + b"s-1,2026-11-01," + b"9" * 40 + b",eu,K\n"),
    ]  # fmt: skip


PAGES_WITH_A_PRICE = {"/deep", "/latin1"}


def page_cases() -> dict[str, tuple[Any, ...]]:
    """What a scraped shop can answer instead of a product page (path -> status, type, body)."""
    return {
        "/no-price": (200, "text/html", b"<html><body><p>sold out</p></body></html>"),
        "/script-price": (200, "text/html", b'<span class="price"><script>alert(1)</script></span>'),
        "/nan-price": (200, "text/html", b'<span class="price">NaN</span>'),
        "/negative-price": (200, "text/html", b'<span class="price">-$5.00</span>'),
        "/huge-price": (200, "text/html", b'<span class="price">$1e999</span>'),
        "/binary": (200, "application/octet-stream", bytes(range(256)) * 100),
        "/latin1": (200, "text/html; charset=utf-8", '<span class="price">\xa3\xff\xfe12</span>'.encode("latin-1")),
        "/deep": (200, "text/html", b"<div>" * 20_000 + b'<span class="price">$1</span>'),
        "/huge": (200, "text/html", b"<p>" + b"x" * 6_000_000 + b"</p>"),
        "/server-error": (500, "text/html", b"oops"),
        "/not-found": (404, "text/html", b"gone"),
        "/redirect-to-metadata": (302, "text/html", b"", {"Location": "http://169.254.169.254/latest/meta-data/"}),
    }
