"""The artifacts bucket: the build's zips under `artifacts/<sha256>.zip`, manifests under
`manifests/<sha256>.json`.

Keys are content hashes, so an upload is skipped when the object is already there, a download is
checked against its key, and every environment and every CI job deploys byte-identical code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolchain.digests import sha256_hex
from toolchain.errors import ToolchainError
from toolchain.packaging.manifest import Manifest


class ArtifactMismatch(ToolchainError):
    pass


def bucket_name(project: str, account_id: str, region: str) -> str:
    """The artifacts bucket infra/bootstrap creates in an account and region."""
    return f"{project}-{account_id}-{region}-artifacts"


def artifact_key(sha256: str) -> str:
    return f"artifacts/{sha256}.zip"


def manifest_key(sha256: str) -> str:
    return f"manifests/{sha256}.json"


@dataclass(frozen=True)
class UploadReport:
    manifest_sha256: str
    uploaded: list[str]
    present: list[str]


class BucketMissing(ToolchainError):
    pass


class ArtifactStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self.bucket = bucket
        self._bucket_checked = False

    def bucket_exists(self) -> bool:
        try:
            self.require_bucket()
        except BucketMissing:
            return False
        return True

    def require_bucket(self) -> None:
        """A missing bucket would otherwise read as "no such object" and fail later, on the upload."""
        if self._bucket_checked:
            return
        try:
            self._s3.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in ("404", "NoSuchBucket", "NotFound"):
                raise BucketMissing(
                    f"the artifacts bucket s3://{self.bucket} does not exist",
                    "create it with `invoke bootstrap` (--target aws in an AWS account)",
                ) from None
            raise ToolchainError(f"cannot reach s3://{self.bucket}: {exc}", "check your AWS credentials") from exc
        self._bucket_checked = True

    def _exists(self, key: str, sha256: str) -> bool:
        self.require_bucket()
        try:
            head = self._s3.head_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            if getattr(exc, "response", {}).get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise ToolchainError(f"cannot read s3://{self.bucket}/{key}: {exc}", "is the bucket bootstrapped?") from exc
        return head.get("Metadata", {}).get("sha256") == sha256

    def upload_build(self, manifest_path: Path) -> UploadReport:
        text = manifest_path.read_text(encoding="utf-8")
        manifest = Manifest.from_text(text)
        uploaded, present = [], []
        for name, artifact in manifest.artifacts().items():
            key = artifact_key(artifact.sha256)
            if self._exists(key, artifact.sha256):
                present.append(name)
                continue
            data = (manifest_path.parent / artifact.path).read_bytes()
            if sha256_hex(data) != artifact.sha256:
                raise ArtifactMismatch(f"{artifact.path} does not match the manifest", "run `invoke package` again")
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, Metadata={"sha256": artifact.sha256})
            uploaded.append(name)
        sha = sha256_hex(text)
        if not self._exists(manifest_key(sha), sha):
            self._s3.put_object(Bucket=self.bucket, Key=manifest_key(sha), Body=text.encode(),
                                Metadata={"sha256": sha}, ContentType="application/json")  # fmt: skip
        return UploadReport(sha, uploaded, present)

    def fetch_manifest(self, sha256: str) -> str:
        self.require_bucket()
        try:
            body = self._s3.get_object(Bucket=self.bucket, Key=manifest_key(sha256))["Body"].read()
        except Exception as exc:
            raise ToolchainError(
                f"no manifest {sha256[:12]} in s3://{self.bucket}", "give the sha256 of a manifest deployed before"
            ) from exc
        if sha256_hex(body) != sha256:
            raise ArtifactMismatch(f"manifest {sha256[:12]} in s3://{self.bucket} does not match its key")
        return body.decode()

    def copy_from(self, other: ArtifactStore, manifest_text: str) -> list[str]:
        """Make every artifact of a manifest present here too (another account's bucket); verified."""
        copied = []
        manifest = Manifest.from_text(manifest_text)
        for name, artifact in manifest.artifacts().items():
            key = artifact_key(artifact.sha256)
            if self._exists(key, artifact.sha256):
                continue
            data = other._s3.get_object(Bucket=other.bucket, Key=key)["Body"].read()
            if sha256_hex(data) != artifact.sha256:
                raise ArtifactMismatch(f"s3://{other.bucket}/{key} does not match its key")
            self._s3.put_object(Bucket=self.bucket, Key=key, Body=data, Metadata={"sha256": artifact.sha256})
            copied.append(name)
        sha = sha256_hex(manifest_text)
        self._s3.put_object(Bucket=self.bucket, Key=manifest_key(sha), Body=manifest_text.encode(),
                            Metadata={"sha256": sha}, ContentType="application/json")  # fmt: skip
        return copied


def function_hashes(manifest_text: str) -> dict[str, str]:
    data = json.loads(manifest_text)
    return {name: artifact["base64sha256"] for name, artifact in data["functions"].items()}
