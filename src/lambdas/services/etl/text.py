"""From a file's bytes to lines of text, under one encoding policy. No AWS here.

Accepted: UTF-8, with or without a byte-order mark, and UTF-16 announced by its byte-order mark.
Anything else is refused, never guessed: a UTF-32 file is refused whole; bytes that are not valid in
the file's encoding (a Windows-1252 "é", say) make their row a rejection naming the byte, and the
row is not stored. Nothing is ever decoded to U+FFFD on the way: such bytes are carried as lone
surrogates (U+DC00 + byte), which no valid text contains, so they can be found and refused.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from lambdas.common.exceptions import UnprocessableContent

MARK_ERRORS = "etl-mark-invalid-bytes"
_MARKED = re.compile("[\udc00-\udcff]")
_BOMS = (
    (codecs.BOM_UTF32_LE, None),
    (codecs.BOM_UTF32_BE, None),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _mark(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return "".join(chr(0xDC00 + byte) for byte in error.object[error.start : error.end]), error.end


codecs.register_error(MARK_ERRORS, _mark)


class BadEncoding(UnprocessableContent):
    code = "bad_encoding"


@dataclass
class DecodedText:
    """Lines of a file; `encoding` is known once the first line has been read, and `invalid` holds,
    for each line read so far that carries bytes invalid in the encoding, why (by line number)."""

    chunks: Iterable[bytes]
    encoding: str = "utf-8"
    invalid: dict[int, str] = field(default_factory=dict)

    def lines(self) -> Iterator[str]:
        chunks = iter(self.chunks)
        head = b""
        for chunk in chunks:
            head += chunk
            if len(head) >= 4:
                break
        decoder, head = self._decoder(head)
        pending, number = "", 0
        for text in _decoded(decoder, head, chunks):
            text = pending + text
            # Lines end at \n, \r\n or \r, as for a file opened with newline="" (what csv expects).
            # The last one is kept for the next chunk unless it is complete (a \r may be half a \r\n).
            lines = io.StringIO(text, newline="").readlines()
            pending = lines.pop() if lines and not lines[-1].endswith("\n") else ""
            # one search per chunk: only a chunk with a marked byte has its lines checked one by one
            if _MARKED.search(text) is not None:
                for offset, line in enumerate(lines, start=number + 1):
                    if (reason := invalid_bytes(line)) is not None:
                        self.invalid[offset] = reason
            number += len(lines)
            yield from lines
        if pending:
            if (reason := invalid_bytes(pending)) is not None:
                self.invalid[number + 1] = reason
            yield pending

    def _decoder(self, head: bytes) -> tuple[codecs.IncrementalDecoder, bytes]:
        for bom, encoding in _BOMS:
            if head.startswith(bom):
                if encoding is None:
                    raise BadEncoding("the file is UTF-32; save it as UTF-8 (or UTF-16 with a byte-order mark)")
                self.encoding = encoding + ("-sig" if encoding == "utf-8" else "")
                return codecs.getincrementaldecoder(encoding)(errors=MARK_ERRORS), head[len(bom) :]
        return codecs.getincrementaldecoder("utf-8")(errors=MARK_ERRORS), head


def _decoded(decoder: codecs.IncrementalDecoder, head: bytes, chunks: Iterator[bytes]) -> Iterator[str]:
    yield decoder.decode(head)
    for chunk in chunks:
        yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


def invalid_bytes(line: str) -> str | None:
    """Why a decoded line cannot be stored (it holds bytes invalid in its encoding), or None."""
    if line.isascii():
        return None
    found = _MARKED.search(line)
    if found is None:
        return None
    byte = ord(found.group(0)) - 0xDC00
    return f"byte 0x{byte:02x} at column {found.start() + 1} is not valid in the file's encoding"
