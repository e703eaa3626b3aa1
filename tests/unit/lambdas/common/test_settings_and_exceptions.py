from __future__ import annotations

import pytest

from lambdas.common import exceptions as errors
from lambdas.services.thumbnails.imaging import DecompressionBomb, NotAnImage, TruncatedImage
from lambdas.services.thumbnails.settings import ThumbnailSettings


def test_thumbnail_settings_defaults() -> None:
    settings = ThumbnailSettings.from_env({})
    assert (settings.upload_prefix, settings.thumbnail_prefix, settings.max_dimension) == (
        "uploads/",
        "thumbnails/",
        200,
    )


def test_thumbnail_settings_read_their_variables() -> None:
    settings = ThumbnailSettings.from_env(
        {"UPLOAD_PREFIX": "in/", "THUMBNAIL_PREFIX": "out/", "THUMBNAIL_MAX_DIMENSION": "64"}
    )
    assert (settings.upload_prefix, settings.thumbnail_prefix, settings.max_dimension) == ("in/", "out/", 64)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"THUMBNAIL_MAX_DIMENSION": "big"}, "not an integer"),
        ({"THUMBNAIL_MAX_DIMENSION": "1"}, "outside"),
        ({"UPLOAD_PREFIX": "uploads"}, "must be a key prefix"),
        ({"UPLOAD_PREFIX": " "}, "is empty"),
        ({"THUMBNAIL_PREFIX": "uploads/thumbs/"}, "overlap"),
        ({"UPLOAD_PREFIX": "thumbnails/in/"}, "overlap"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(errors.ConfigurationError, match=message):
        ThumbnailSettings.from_env(env)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.ValidationFailed("x"), 400),
        (errors.Unauthorized("x"), 401),
        (errors.Forbidden("x"), 403),
        (errors.NotFound("x"), 404),
        (errors.MethodNotAllowed("x"), 405),
        (errors.Conflict("x"), 409),
        (NotAnImage("x"), 415),
        (TruncatedImage("x"), 422),
        (DecompressionBomb("x"), 413),
        (errors.DependencyError("x"), 503),
        (errors.ConfigurationError("x"), 500),
        (KeyError("x"), 500),
    ],
)
def test_one_table_maps_errors_to_http_status(error: Exception, status: int) -> None:
    assert errors.http_status(error) == status
