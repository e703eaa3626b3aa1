"""The artifacts bucket on moto: content-addressed uploads, verified downloads, copies across accounts."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from toolchain.deploy.artifacts import ArtifactMismatch, ArtifactStore, bucket_name, function_hashes
from toolchain.errors import ToolchainError
from toolchain.packaging.manifest import FileDigest

BUCKET = bucket_name("platform", "123456789012", "us-east-1")


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def write_build(root: Path, contents: dict[str, bytes]) -> Path:
    """A build directory as the packager leaves it: zips and a manifest naming their hashes."""
    entries = {}
    for name, data in contents.items():
        path = root / f"{name}.zip"
        path.write_bytes(data)
        digest = FileDigest.of(path)
        entries[name] = {"path": path.name, "sha256": digest.sha256, "base64sha256": digest.base64sha256,
                         "size": digest.size, "inputs_sha256": "0" * 64}  # fmt: skip
    layer = entries.pop("layer")
    manifest = {"format": 1, "target": {"python": "3.12"}, "layer": layer, "functions": entries}
    path = root / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return path


@pytest.mark.documents("environments.md", "Artifacts bucket")
def test_bucket_name_is_per_account_and_region() -> None:
    assert BUCKET == "platform-123456789012-us-east-1-artifacts"


@pytest.mark.documents("environments.md", "Artifacts bucket")
def test_uploads_are_keyed_by_sha256_and_skipped_when_present(s3: Any, tmp_path: Path) -> None:
    manifest = write_build(tmp_path, {"layer": b"layer bytes", "users": b"users zip", "etl": b"etl zip"})
    store = ArtifactStore(s3, BUCKET)
    first = store.upload_build(manifest)
    assert sorted(first.uploaded) == ["function:etl", "function:users", "layer"]
    key = f"artifacts/{hashlib.sha256(b'users zip').hexdigest()}.zip"
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"users zip"
    assert first.manifest_sha256 == hashlib.sha256(manifest.read_bytes()).hexdigest()
    assert store.fetch_manifest(first.manifest_sha256) == manifest.read_text()

    second = ArtifactStore(s3, BUCKET).upload_build(manifest)
    assert second.uploaded == [] and len(second.present) == 3


@pytest.mark.documents("environments.md", "Artifacts bucket")
def test_a_zip_that_does_not_match_its_manifest_is_not_uploaded(s3: Any, tmp_path: Path) -> None:
    manifest = write_build(tmp_path, {"layer": b"layer", "users": b"users zip"})
    (tmp_path / "users.zip").write_bytes(b"tampered")
    with pytest.raises(ArtifactMismatch, match="users.zip does not match the manifest"):
        ArtifactStore(s3, BUCKET).upload_build(manifest)


@pytest.mark.documents("environments.md", "Artifacts bucket")
def test_a_manifest_whose_bytes_do_not_match_its_key_is_refused(s3: Any, tmp_path: Path) -> None:
    manifest = write_build(tmp_path, {"layer": b"layer", "users": b"users zip"})
    report = ArtifactStore(s3, BUCKET).upload_build(manifest)
    s3.put_object(Bucket=BUCKET, Key=f"manifests/{report.manifest_sha256}.json", Body=b'{"format": 1}')
    with pytest.raises(ArtifactMismatch, match="does not match its key"):
        ArtifactStore(s3, BUCKET).fetch_manifest(report.manifest_sha256)


def test_an_unknown_manifest_and_a_missing_bucket_say_what_to_do(s3: Any) -> None:
    with pytest.raises(ToolchainError, match="no manifest 000000000000 in s3://") as unknown:
        ArtifactStore(s3, BUCKET).fetch_manifest("0" * 64)
    assert "give the sha256 of a manifest deployed before" in str(unknown.value.hint)
    with pytest.raises(ToolchainError, match="the artifacts bucket s3://nowhere does not exist"):
        ArtifactStore(s3, "nowhere").fetch_manifest("0" * 64)


def test_copying_to_another_accounts_bucket_carries_verified_bytes(s3: Any, tmp_path: Path) -> None:
    manifest = write_build(tmp_path, {"layer": b"layer", "users": b"users zip"})
    source = ArtifactStore(s3, BUCKET)
    source.upload_build(manifest)
    s3.create_bucket(Bucket="platform-210987654321-us-east-1-artifacts")
    destination = ArtifactStore(s3, "platform-210987654321-us-east-1-artifacts")
    text = manifest.read_text()
    assert sorted(destination.copy_from(source, text)) == ["function:users", "layer"]
    sha = hashlib.sha256(text.encode()).hexdigest()
    assert destination.fetch_manifest(sha) == text
    assert destination.copy_from(source, text) == []
    assert function_hashes(text) == {"users": FileDigest.of(tmp_path / "users.zip").base64sha256}


def test_a_corrupted_source_artifact_is_not_copied(s3: Any, tmp_path: Path) -> None:
    manifest = write_build(tmp_path, {"layer": b"layer", "users": b"users zip"})
    source = ArtifactStore(s3, BUCKET)
    source.upload_build(manifest)
    s3.put_object(Bucket=BUCKET, Key=f"artifacts/{hashlib.sha256(b'users zip').hexdigest()}.zip", Body=b"evil")
    s3.create_bucket(Bucket="other")
    with pytest.raises(ArtifactMismatch):
        ArtifactStore(s3, "other").copy_from(source, manifest.read_text())
