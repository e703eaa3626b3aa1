from __future__ import annotations

import pytest

from lambdas.common.events import S3ObjectRef, parse_s3_event
from lambdas.common.exceptions import InvalidEvent


def s3_event(key: str, **obj: object) -> dict:
    return {
        "Records": [
            {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
             "s3": {"bucket": {"name": "media"}, "object": {"key": key, **obj}}}
        ]
    }  # fmt: skip


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        ("uploads/plain.jpg", "uploads/plain.jpg"),
        ("uploads/with+space.jpg", "uploads/with space.jpg"),
        ("uploads/a%2Bplus.jpg", "uploads/a+plus.jpg"),
        ("uploads/caf%C3%A9/%E5%86%99%E7%9C%9F.png", "uploads/café/写真.png"),
        ("uploads/deep/er/and/deeper/x.jpg", "uploads/deep/er/and/deeper/x.jpg"),
        ("uploads/100%25.jpg", "uploads/100%.jpg"),
    ],
)
@pytest.mark.documents("services.md", "A thumbnail per upload")
def test_keys_are_url_decoded_as_s3_encodes_them(encoded: str, decoded: str) -> None:
    (ref,) = parse_s3_event(s3_event(encoded, size=10))
    assert ref == S3ObjectRef(bucket="media", key=decoded, size=10, event_name="ObjectCreated:Put")


def test_sample_event_file_parses(load_event) -> None:
    (ref,) = parse_s3_event(load_event("s3-object-created.json", media_bucket_name="media-bucket"))
    assert ref.bucket == "media-bucket"
    assert ref.key == "uploads/albums/summer 2026/beach ü.jpg"
    assert ref.version_id is None  # the sample names no version, so it works against any bucket


def test_version_ids_are_kept() -> None:
    (ref,) = parse_s3_event(s3_event("uploads/a.jpg", versionId="3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"))
    assert ref.version_id == "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"


@pytest.mark.parametrize(
    ("event", "complaint"),
    [
        (None, "event has no 'Records'"),
        ({}, "event has no 'Records'"),
        ({"Records": []}, "non-empty list"),
        ({"Records": "x"}, "non-empty list"),
        ({"Records": [{"eventSource": "aws:sqs"}]}, "is not from aws:s3"),
        ({"Records": [{"eventSource": "aws:s3"}]}, "Records[0] has no 's3'"),
        ({"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {}, "object": {"key": "k"}}}]}, "has no 'name'"),
        (
            {"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "b"}, "object": {"key": 5}}}]},
            "non-empty string",
        ),
        (s3_event("uploads/%E9%ZZ.jpg"), "not valid URL-encoded UTF-8"),
        (s3_event("uploads/a.jpg", size=-1), "non-negative integer"),
        (s3_event("uploads/a.jpg", size="12"), "non-negative integer"),
    ],
)
def test_malformed_events_are_named_rejections(event: object, complaint: str) -> None:
    with pytest.raises(InvalidEvent, match=complaint.replace("[", r"\[").replace("]", r"\]")):
        parse_s3_event(event)
