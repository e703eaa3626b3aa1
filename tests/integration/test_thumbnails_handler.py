"""The thumbnail handler end to end against moto's S3: real events in, real objects out."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote_plus

import pytest
from PIL import Image

from lambdas.common.exceptions import DependencyError
from lambdas.services.thumbnails import handler as thumbnails
from tests.conftest import make_image

from .conftest import logged
from .faults import injected

BUCKET = "media"


@pytest.fixture
def bucket(s3: Any) -> Any:
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return s3


def event_for(s3: Any, key: str, load_event) -> dict[str, Any]:
    head = s3.head_object(Bucket=BUCKET, Key=key)
    event = load_event("s3-object-created.json", media_bucket_name=BUCKET)
    obj = event["Records"][0]["s3"]["object"]
    obj.update(key=quote_plus(key, safe="/"), size=head["ContentLength"], versionId=head.get("VersionId"))
    return event


def keys(s3: Any, prefix: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]


@pytest.mark.parametrize(
    "key",
    ["uploads/cat.jpg", "uploads/with space/and+plus.jpg", "uploads/ünïcödé/写真.jpg", "uploads/a/b/c/d/deep.jpg"],
)
@pytest.mark.documents("services.md", "A thumbnail per upload")
def test_an_upload_gets_a_thumbnail(bucket: Any, load_event, lambda_context, caplog, key: str) -> None:
    bucket.put_object(Bucket=BUCKET, Key=key, Body=make_image("JPEG", (1600, 1200)))
    result = thumbnails.lambda_handler(event_for(bucket, key, load_event), lambda_context)
    expected = "thumbnails/" + key.removeprefix("uploads/")
    assert result == {"created": [{"key": key, "thumbnail_key": expected}], "rejected": []}
    obj = bucket.get_object(Bucket=BUCKET, Key=expected)
    assert obj["ContentType"] == "image/jpeg"
    assert obj["Metadata"]["source-key"] == quote_plus(key, safe="/").replace("+", "%20")
    with Image.open(io.BytesIO(obj["Body"].read())) as image:
        assert image.size == (200, 150)
    (record,) = logged(caplog, "thumbnail created")
    assert record.key == key
    assert record.thumbnail_key == expected


def test_the_version_named_in_the_event_is_the_one_read(bucket: Any, load_event, lambda_context) -> None:
    bucket.put_object(Bucket=BUCKET, Key="uploads/v.png", Body=make_image("PNG", (800, 400)))
    event = event_for(bucket, "uploads/v.png", load_event)
    bucket.put_object(Bucket=BUCKET, Key="uploads/v.png", Body=b"overwritten with text")
    assert thumbnails.lambda_handler(event, lambda_context)["created"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"%PDF-1.4 definitely not an image", "not_an_image"),
        (make_image("JPEG", (1600, 1200))[:5000], "truncated_image"),
        (b"", "not_an_image"),
    ],
)
@pytest.mark.documents("services.md", "Hostile or broken images")
def test_bad_files_are_rejected_with_a_log_line_and_no_output(
    bucket: Any, load_event, lambda_context, caplog, body: bytes, error: str
) -> None:
    bucket.put_object(Bucket=BUCKET, Key="uploads/bad.jpg", Body=body)
    result = thumbnails.lambda_handler(event_for(bucket, "uploads/bad.jpg", load_event), lambda_context)
    assert result["created"] == []
    assert result["rejected"][0]["error"] == error
    assert keys(bucket, "thumbnails/") == []
    (record,) = logged(caplog, "image rejected")
    assert (record.levelname, record.error, record.key) == ("WARNING", error, "uploads/bad.jpg")


def test_a_decompression_bomb_is_rejected(bucket: Any, load_event, lambda_context) -> None:
    from tests.unit.lambdas.services.thumbnails.test_imaging import _png_header_only

    bucket.put_object(Bucket=BUCKET, Key="uploads/bomb.png", Body=_png_header_only(30_000, 30_000))
    result = thumbnails.lambda_handler(event_for(bucket, "uploads/bomb.png", load_event), lambda_context)
    assert result["rejected"][0]["error"] == "decompression_bomb"
    assert keys(bucket, "thumbnails/") == []


@pytest.mark.documents("services.md", "Hostile or broken images")
def test_an_object_over_the_size_limit_is_not_downloaded(
    bucket: Any, load_event, lambda_context, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THUMBNAIL_MAX_SOURCE_BYTES", "2048")
    bucket.put_object(Bucket=BUCKET, Key="uploads/big.jpg", Body=make_image("JPEG", (1200, 900)))
    event = event_for(bucket, "uploads/big.jpg", load_event)
    del event["Records"][0]["s3"]["object"]["size"]  # only S3's Content-Length can tell
    result = thumbnails.lambda_handler(event, lambda_context)
    assert result["rejected"][0]["error"] == "source_too_large"


def test_a_deleted_object_is_a_rejection_not_a_retry(bucket: Any, load_event, lambda_context) -> None:
    bucket.put_object(Bucket=BUCKET, Key="uploads/gone.jpg", Body=make_image())
    event = event_for(bucket, "uploads/gone.jpg", load_event)
    event["Records"][0]["s3"]["object"].pop("versionId")
    bucket.delete_object(Bucket=BUCKET, Key="uploads/gone.jpg")
    assert thumbnails.lambda_handler(event, lambda_context)["rejected"][0]["error"] == "source_gone"


@pytest.mark.documents("services.md", "S3's own failures are retried; uploads cannot loop")
def test_the_functions_own_output_does_not_trigger_work(bucket: Any, load_event, lambda_context) -> None:
    bucket.put_object(Bucket=BUCKET, Key="thumbnails/x.jpg", Body=make_image())
    event = event_for(bucket, "thumbnails/x.jpg", load_event)
    result = thumbnails.lambda_handler(event, lambda_context)
    assert result["rejected"][0]["error"] == "outside_upload_prefix"
    assert keys(bucket, "thumbnails/thumbnails") == []


@pytest.mark.documents("services.md", "S3's own failures are retried; uploads cannot loop")
def test_s3_failures_propagate_so_lambda_retries(bucket: Any, load_event, lambda_context) -> None:
    bucket.put_object(Bucket=BUCKET, Key="uploads/busy.jpg", Body=make_image())
    event = event_for(bucket, "uploads/busy.jpg", load_event)
    with injected() as faults:
        faults.error("s3", "GetObject", "SlowDown", times=1, status=503)
        with pytest.raises(DependencyError, match="reading s3:.* failed: SlowDown"):
            thumbnails.lambda_handler(event, lambda_context)


def test_a_bucket_that_does_not_exist_is_a_named_rejection_not_a_retry(s3: Any, load_event, lambda_context) -> None:
    # a retry cannot make a bucket exist: the event names nothing to read (as docs/development.md's
    # `events.generate s3 | fn.invoke thumbnails -` showed, with an 80-line traceback)
    event = load_event("s3-object-created.json", media_bucket_name="no-such-bucket")
    result = thumbnails.lambda_handler(event, lambda_context)
    assert result["rejected"][0]["error"] == "source_gone"
    assert "bucket no-such-bucket does not exist" in result["rejected"][0]["reason"]


@pytest.mark.parametrize("event", [{}, {"Records": []}, {"Records": [{"eventSource": "aws:sqs"}]}, {"detail": {}}])
def test_malformed_events_are_named_rejections(moto_aws, lambda_context, caplog, event: dict) -> None:
    result = thumbnails.lambda_handler(event, lambda_context)
    assert result["created"] == []
    assert result["rejected"][0]["error"] == "invalid_event"
    (record,) = logged(caplog, "event rejected")
    assert (record.levelname, record.error) == ("ERROR", "invalid_event")
