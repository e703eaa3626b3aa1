"""A file's bytes to lines: which encoding was read, which lines carry bytes invalid in it (by their
line number, whatever the chunking), and what a truncated or refused file says."""

from __future__ import annotations

import codecs

import pytest

from lambdas.services.etl.text import BadEncoding, DecodedText, invalid_bytes


def _read(data: bytes, chunk: int) -> tuple[list[str], DecodedText]:
    decoded = DecodedText(data[i : i + chunk] for i in range(0, len(data), chunk))
    return list(decoded.lines()), decoded


@pytest.mark.parametrize(
    ("head", "encoding"),
    [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
     (b"", "utf-8")],
)  # fmt: skip
def test_the_encoding_read_is_named(head: bytes, encoding: str) -> None:
    body = "id,name\n1,Zoë\n".encode(encoding.removesuffix("-sig"))
    lines, decoded = _read(head + body, chunk=3)
    assert (lines, decoded.encoding) == (["id,name\n", "1,Zoë\n"], encoding)


@pytest.mark.parametrize("chunk", [1, 2, 5, 4096])
def test_invalid_bytes_are_reported_on_their_own_line_number(chunk: int) -> None:
    # GIVEN bytes invalid in UTF-8 on lines 3 and 5, the last line without its newline
    data = b"h\n" + b"ok\n" + b"ab\xe9\n" + b"fine\n" + b"x\xffz"
    # WHEN it is read in chunks of any size
    lines, decoded = _read(data, chunk)
    # THEN those two lines, by number, each with the byte and its column
    assert decoded.invalid == {
        3: "byte 0xe9 at column 3 is not valid in the file's encoding",
        5: "byte 0xff at column 2 is not valid in the file's encoding",
    }
    assert len(lines) == 5


def test_an_invalid_sequence_is_carried_byte_for_byte() -> None:
    # a four-byte UTF-8 sequence cut after three bytes: each byte its own marker, nothing between
    lines, decoded = _read(b"ab\xf0\x9f\x98\n", chunk=4096)
    assert lines == ["ab\udcf0\udc9f\udc98\n"]
    assert decoded.invalid == {1: "byte 0xf0 at column 3 is not valid in the file's encoding"}


@pytest.mark.parametrize("chunk", [1, 4096])
def test_a_file_cut_inside_a_character_has_its_last_bytes_refused(chunk: int) -> None:
    # the euro sign is three bytes; the file ends after two of them
    lines, decoded = _read(b"id\nprice 5\xe2\x82", chunk)
    assert lines == ["id\n", "price 5\udce2\udc82"]
    assert decoded.invalid == {2: "byte 0xe2 at column 8 is not valid in the file's encoding"}


def test_invalid_utf16_is_marked_not_raised() -> None:
    # an unpaired high surrogate (0xD800) in a UTF-16 file announced by its byte-order mark
    data = codecs.BOM_UTF16_LE + "a\n".encode("utf-16-le") + b"\x00\xd8" + "b\n".encode("utf-16-le")
    lines, decoded = _read(data, chunk=4096)
    assert lines[0] == "a\n"
    assert list(decoded.invalid) == [2]
    assert decoded.invalid[2].startswith("byte 0x00 at column 1")


@pytest.mark.parametrize("bom", [codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE])
def test_utf32_is_refused_whole_saying_what_to_do(bom: bytes) -> None:
    with pytest.raises(BadEncoding) as refused:
        _read(bom + "id\n".encode("utf-32-le" if bom == codecs.BOM_UTF32_LE else "utf-32-be"), chunk=2)
    assert str(refused.value) == "the file is UTF-32; save it as UTF-8 (or UTF-16 with a byte-order mark)"


@pytest.mark.parametrize(("line", "expected"), [("plain ascii", None), ("Zoë", None), ("\udce9", "column 1")])
def test_only_marked_bytes_make_a_line_invalid(line: str, expected: str | None) -> None:
    reason = invalid_bytes(line)
    assert (reason is None) if expected is None else (expected in str(reason))
