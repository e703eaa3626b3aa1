"""The two rules for untrusted input (lambdas/common/untrusted.py), at every place they apply.

JSON: whatever arrives (deep nesting, `\\ud800` escapes, NaN literals) each parse site returns a value
or raises its own named rejection; never a RecursionError, never a string that cannot be stored.
Headers: every secret or signature a caller sends compares, in constant time, whatever it holds.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdas.common.exceptions import PlatformError, http_status
from lambdas.common.http import Cors, parse_request
from lambdas.common.untrusted import MAX_DEPTH, MalformedJson, json_value, same_secret, valid_unicode
from lambdas.services.authorizer.tokens import TokenRejected, TokenVerifier, bearer_token
from lambdas.services.order_stream.model import InvalidOrder, parse_order
from lambdas.services.slack.signature import SignatureRejected, sign, verify
from lambdas.services.users.cursors import CursorCodec
from lambdas.services.worker.jobs import InvalidJob, parse_job

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


CURSORS = CursorCodec(lambda: b"k" * 32)


def _request_json(text: str) -> Any:
    event = {"httpMethod": "POST", "resource": "/users", "body": text, "headers": {"Content-Type": "application/json"}}
    return parse_request(event).json()


# Each parse site of untrusted JSON, fed the same text, and the rejection it must answer with.
SITES: dict[str, tuple[Callable[[str], Any], type[PlatformError]]] = {
    "request body": (_request_json, MalformedJson),
    "pagination cursor": (
        # sealed with the API's own key: the JSON rule applies even to a token that passes the MAC
        lambda text: CURSORS.decode(CURSORS.seal(text.encode("utf-8", "surrogatepass"))),
        PlatformError,
    ),
    "Kinesis order record": (
        lambda text: parse_order(base64.b64encode(text.encode("utf-8", "surrogatepass")).decode()),
        InvalidOrder,
    ),
    "SQS job body": (parse_job, InvalidJob),
}


def nested(depth: int, inner: str = "1", kind: str = "list") -> str:
    return ("[" * depth + inner + "]" * depth) if kind == "list" else ('{"a":' * depth + inner + "}" * depth)


@pytest.mark.documents("security.md", "JSON")
@pytest.mark.parametrize("site", sorted(SITES))
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 900, 5000])
@pytest.mark.parametrize("kind", ["list", "object"])
def test_deep_nesting_is_a_named_rejection_at_every_site(site: str, depth: int, kind: str) -> None:
    parse, rejection = SITES[site]
    with pytest.raises(rejection):
        parse(nested(depth, kind=kind))


@pytest.mark.documents("security.md", "JSON")
@pytest.mark.parametrize("site", sorted(SITES))
@pytest.mark.parametrize("text", ['{"name": "\\ud800"}', '{"\\udfff": 1}', '["ok", ["\\ud83d"]]'])
def test_lone_surrogates_are_a_named_rejection_at_every_site(site: str, text: str) -> None:
    parse, rejection = SITES[site]
    with pytest.raises(rejection):
        parse(text)


@pytest.mark.documents("security.md", "JSON")
@pytest.mark.parametrize("text", ['{"amount": NaN}', '{"amount": Infinity}', "[-Infinity]"])
def test_nan_and_infinity_literals_are_not_json(text: str) -> None:
    with pytest.raises(MalformedJson, match="not valid JSON"):
        json_value(text, what="the body")


def test_a_surrogate_pair_is_fine_and_nesting_up_to_the_limit_parses() -> None:
    assert json_value('{"emoji": "\\ud83d\\ude00"}', what="x") == {"emoji": "😀"}
    assert json_value(nested(MAX_DEPTH - 1, "[]"), what="x") is not None


JSON_TEXT = st.one_of(
    st.text(max_size=200),
    st.builds(
        nested,
        st.integers(0, 3000),
        st.sampled_from(["1", '"\\ud800"', '"x"', "null", "NaN"]),
        st.sampled_from(["list", "object"]),
    ),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=30,
    ).map(lambda value: json.dumps(value)),
)


@FUZZ
@given(site=st.sampled_from(sorted(SITES)), text=JSON_TEXT)
def test_every_site_returns_storable_values_or_its_named_rejection(site: str, text: str) -> None:
    parse, rejection = SITES[site]
    try:
        value = parse(text)
    except rejection:
        return
    # Whatever was accepted can be written as UTF-8 (to DynamoDB, a log line, a queue).
    assert valid_unicode(json.dumps(value, ensure_ascii=False, default=str))


# -- headers -----------------------------------------------------------------------------------------
HEADER_TEXT = st.one_of(
    st.text(max_size=100),
    st.binary(max_size=100).map(lambda raw: raw.decode("latin-1")),  # bytes as a proxy hands them on
    st.sampled_from(["v0=é", "v0=" + "\u0663" * 64, "\ud800", "١٧٠٠٠٠٠٠٠٠", "Bearer \x00", ""]),
)


@pytest.mark.documents("security.md", "Secrets and signatures in headers")
@FUZZ
@given(a=HEADER_TEXT, b=st.one_of(HEADER_TEXT, st.none()))
def test_secret_comparison_takes_any_content(a: str, b: str | None) -> None:
    assert same_secret(a, b) is (a == b)


@FUZZ
@given(timestamp=st.one_of(HEADER_TEXT, st.none()), signature=st.one_of(HEADER_TEXT, st.none()),
       body=st.binary(max_size=200))  # fmt: skip
def test_slack_headers_with_any_content_are_refused_by_name(
    timestamp: str | None, signature: str | None, body: bytes
) -> None:
    with pytest.raises(SignatureRejected):
        verify(b"secret", timestamp, signature, body, now=time.time())


def test_a_fresh_timestamp_and_a_non_ascii_signature_is_a_bad_signature() -> None:
    # Found from outside: hmac.compare_digest raised TypeError on this, a 500 to an unauthenticated caller.
    now = int(time.time())
    with pytest.raises(SignatureRejected) as refused:
        verify(b"secret", str(now), "v0=é" + "0" * 62, b"body", now=now)
    assert refused.value.reason == "bad_signature"


@pytest.mark.documents("security.md", "Secrets and signatures in headers")
def test_a_timestamp_in_other_digits_is_not_a_timestamp() -> None:
    # "١٧٠٠٠٠٠٠٠٠" passes str.isdigit() and int() reads it as 1700000000.
    arabic = "".join(chr(0x0660 + int(d)) for d in "1700000000")
    with pytest.raises(SignatureRejected) as refused:
        verify(b"secret", arabic, sign(b"secret", arabic, b""), b"", now=1_700_000_000)
    assert refused.value.reason == "bad_timestamp"


@FUZZ
@given(header=st.one_of(HEADER_TEXT, st.none(), st.integers()))
def test_authorization_headers_with_any_content_are_refused_by_name(header: Any) -> None:
    class NoKey:
        def key_for(self, header: dict[str, Any]) -> Any:
            raise TokenRejected("unknown_key")

    verifier = TokenVerifier(algorithms=("HS256",), issuer="i", audience="a", leeway=0, keys=NoKey())
    with pytest.raises(TokenRejected):
        verifier.verify(header)
    if isinstance(header, str) and header.startswith("Bearer ") and len(header.split()) == 2:
        assert bearer_token(header) == header.split()[1]


@FUZZ
@given(origin=st.one_of(HEADER_TEXT, st.none()))
def test_cors_answers_any_origin_header(origin: str | None) -> None:
    headers = Cors(("https://app.example.com",)).headers_for(origin, ["GET"])
    assert ("Access-Control-Allow-Origin" in headers) is (origin == "https://app.example.com")


@FUZZ
@given(content_type=HEADER_TEXT, body=st.text(max_size=50))
def test_any_content_type_is_answered_by_name(content_type: str, body: str) -> None:
    request = parse_request({"httpMethod": "POST", "resource": "/x", "body": body,
                             "headers": {"Content-Type": content_type}})  # fmt: skip
    try:
        request.json()
    except PlatformError as exc:
        refused = exc
    else:
        return
    assert http_status(refused) in (400, 415)
