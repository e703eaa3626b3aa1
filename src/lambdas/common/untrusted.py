"""The two rules every piece of untrusted input goes through.

JSON (request bodies, pagination cursors, stream records, queue and topic messages): strict UTF-8,
no NaN/Infinity literals, at most `MAX_DEPTH` levels of nesting, and no lone surrogates anywhere
(JSON's `\\ud800` escape decodes to a string that no UTF-8 consumer, DynamoDB included, can store).
Anything else is the caller's named rejection, never a RecursionError or a 5xx.

Secrets and signatures in headers: compared as bytes, in constant time, whatever characters they
hold; a comparison never raises.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from lambdas.common.exceptions import PlatformError, RejectedInput

MAX_DEPTH = 32


class MalformedJson(RejectedInput):
    code = "malformed_json"


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


# made once: json.loads(text, parse_constant=...) builds a new decoder on every call
_DECODER = json.JSONDecoder(parse_constant=_no_constants)


def _check(value: Any, what: str, error: type[PlatformError], max_depth: int) -> None:
    # iterative (a recursive walk would be the RecursionError this avoids); json.loads makes only
    # dict, list, str, int, float, bool and None, so exact type checks suffice
    def bad_string() -> PlatformError:
        return error(f"{what} holds a string that is not valid Unicode (a lone surrogate)")

    if type(value) is str:
        if not value.isascii() and not valid_unicode(value):
            raise bad_string()
        return
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if type(item) is dict:
            strings = list(item)
            children = item.values()
        elif type(item) is list:
            strings, children = [], item
        else:
            continue
        if depth > max_depth:
            raise error(f"{what} is nested more than {max_depth} levels deep")
        for child in children:
            kind = type(child)
            if kind is str:
                strings.append(child)
            elif kind is dict or kind is list:
                stack.append((child, depth + 1))
        for text in strings:
            if not text.isascii() and not valid_unicode(text):
                raise bad_string()


def valid_unicode(text: str) -> bool:
    """False for a str holding lone surrogates (possible in Python, impossible in UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_value(
    raw: bytes | str, *, what: str, error: type[PlatformError] = MalformedJson, max_depth: int = MAX_DEPTH
) -> Any:
    """`raw` parsed under the JSON rule above; `error(message)` naming `what` when it breaks it."""
    if isinstance(raw, bytes | bytearray):
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise error(f"{what} is not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None
    elif isinstance(raw, str):
        text = raw
    else:
        raise error(f"{what} is not text")
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise error(f"{what} is nested more than {max_depth} levels deep") from None
    except ValueError as exc:
        raise error(f"{what} is not valid JSON: {str(exc)[:120]}") from None
    _check(value, what, error, max_depth)
    return value


def _as_bytes(value: str | bytes) -> bytes:
    # surrogatepass: a header may hold any code point; it must compare, not raise.
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def same_secret(expected: str | bytes, given: str | bytes | None) -> bool:
    """Constant-time equality of a secret or signature with what a caller sent, any content."""
    if given is None:
        return False
    return hmac.compare_digest(_as_bytes(expected), _as_bytes(given))
