"""Named snapshots of the emulator: its checkpoint, the blobs that checkpoint names, and the Terraform
state of every environment on it (what Terraform believes is part of "as it was"), in one zip file.

Toolchain code: it never imports moto. Paths come from the constructor, so tests give it their own.
"""

from __future__ import annotations

import json
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from toolchain.emulator.persistence.store import (
    Header,
    StateRefused,
    StateStore,
    parse_header,
    readable,
    write_atomically,
)
from toolchain.errors import ToolchainError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SUFFIX = ".snapshot"


@dataclass(frozen=True)
class SnapshotInfo:
    name: str
    path: str
    created: float
    bytes: int
    state_id: str
    moto: str
    python: str
    summary: dict[str, int]
    environments: list[str]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Snapshots:
    """`directory` holds NAME.snapshot files; `state` is the emulator's checkpoint store and
    `terraform` the directory of the emulator's Terraform roots (build/tf/emulator)."""

    def __init__(self, directory: Path, state: StateStore, terraform: Path) -> None:
        self.directory, self.state, self.terraform = directory, state, terraform

    # -- naming -------------------------------------------------------------------------------------
    def path(self, name_or_path: str) -> Path:
        if name_or_path.endswith(SUFFIX) and ("/" in name_or_path or Path(name_or_path).is_file()):
            return Path(name_or_path)  # a file a colleague handed over
        if not NAME.match(name_or_path):
            raise ToolchainError(
                f"{name_or_path!r} is not a snapshot name",
                "use letters, digits, '.', '_' and '-' (up to 64), or the path of a .snapshot file",
            )
        return self.directory / f"{name_or_path}{SUFFIX}"

    def _terraform_files(self) -> list[Path]:
        """Every Terraform state and the records that tie them to the emulator's state (markers, applies)."""
        patterns = ("root/terraform.tfstate.d/*/terraform.tfstate", "root/bootstrap/terraform.tfstate",
                    "root/.emulator-instance", "root/bootstrap/.emulator-instance", "applied/*.inputs")  # fmt: skip
        return sorted(p for pattern in patterns for p in self.terraform.glob(pattern) if p.is_file())

    def environments(self) -> list[str]:
        """The Terraform workspaces with a state on the emulator (emulator, dev, staging, prod)."""
        return sorted(p.parent.name for p in self.terraform.glob("root/terraform.tfstate.d/*/terraform.tfstate"))

    # -- save ---------------------------------------------------------------------------------------
    def save(self, name: str, checkpoint_now: Callable[[], Any] | None, *, overwrite: bool = False) -> SnapshotInfo:
        """Copy the emulator's state (after `checkpoint_now`, when it runs) and Terraform's into NAME."""
        target = self.path(name)
        if target.exists() and not overwrite:
            raise ToolchainError(f"snapshot {name} exists ({target})", "delete it first, or pass --overwrite")
        for _attempt in range(5):
            if checkpoint_now is not None:
                checkpoint_now()
            if not self.state.exists():
                raise ToolchainError("the emulator has no state to save", "start it with `invoke up`")
            copied = self._copy_state()
            if copied is not None:
                break
        else:  # each try met a checkpoint that replaced a blob it was copying
            raise ToolchainError("the emulator's state kept changing while it was copied", "try again")
        checkpoint, blobs, header = copied
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        environments = self.environments()
        meta = {"name": target.stem, "created": time.time(), "state_id": header.state_id, "moto": header.moto,
                "python": header.python, "summary": header.summary, "environments": environments}  # fmt: skip
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.writestr("snapshot.json", json.dumps(meta, indent=2, sort_keys=True))
            archive.writestr("state/checkpoint", checkpoint)
            for digest, data in blobs.items():
                archive.writestr(f"state/blobs/{digest}", data)
            for file in self._terraform_files():
                archive.writestr(f"terraform/{file.relative_to(self.terraform).as_posix()}", file.read_bytes())
        temporary.replace(target)
        return self.describe(target)

    def _copy_state(self) -> tuple[bytes, dict[str, bytes], Header] | None:
        checkpoint = self.state.checkpoint.read_bytes()
        header = parse_header(checkpoint.split(b"\n", 1)[0])
        blobs = {}
        for digest in header.blobs:
            try:
                blobs[digest] = (self.state.blobs / digest).read_bytes()
            except FileNotFoundError:
                return None
        return checkpoint, blobs, header

    # -- load ---------------------------------------------------------------------------------------
    def check(self, name: str) -> SnapshotInfo:
        """The snapshot, if this emulator can load it; ToolchainError saying why not, before anything changes."""
        info = self.describe(self.path(name))
        with zipfile.ZipFile(self.path(name)) as archive:
            header = parse_header(archive.read("state/checkpoint").split(b"\n", 1)[0])
            readable(header, str(self.path(name)))
            missing = [d for d in header.blobs if f"state/blobs/{d}" not in archive.namelist()]
        if missing:
            raise ToolchainError(f"snapshot {name} is incomplete: {len(missing)} blob(s) missing", "save it again")
        return info

    def load(self, name: str) -> SnapshotInfo:
        """Replace the stored emulator state and Terraform's with the snapshot's (the emulator must be stopped)."""
        info = self.check(name)
        with zipfile.ZipFile(self.path(name)) as archive:
            self.state.discard()
            self.state.blobs.mkdir(parents=True)
            for file in self._terraform_files():
                file.unlink()
            for entry in archive.namelist():
                if entry.startswith("state/blobs/"):
                    write_atomically(self.state.blobs / entry.rsplit("/", 1)[1], archive.read(entry))
                elif entry.startswith("terraform/"):
                    target = self.terraform / entry[len("terraform/") :]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    write_atomically(target, archive.read(entry))
            # the checkpoint last: until it is in place, no half-loaded state can be started from
            write_atomically(self.state.checkpoint, archive.read("state/checkpoint"))
        return info

    # -- list, delete -------------------------------------------------------------------------------
    def describe(self, path: Path) -> SnapshotInfo:
        try:
            with zipfile.ZipFile(path) as archive:
                meta = json.loads(archive.read("snapshot.json"))
        except FileNotFoundError:
            raise ToolchainError(f"no snapshot {path.stem} ({path})", "`invoke snapshot.list` lists them") from None
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise ToolchainError(f"{path} is not a snapshot ({exc})") from None
        return SnapshotInfo(path.stem, str(path), meta["created"], path.stat().st_size, meta["state_id"],
                            meta["moto"], meta["python"], meta["summary"], meta["environments"])  # fmt: skip

    def list(self) -> list[SnapshotInfo]:
        return [self.describe(p) for p in sorted(self.directory.glob(f"*{SUFFIX}"))]

    def delete(self, name: str) -> SnapshotInfo:
        info = self.describe(self.path(name))
        Path(info.path).unlink()
        return info

    def discard_current(self) -> None:
        """What `invoke up --fresh` drops: the emulator's state and the Terraform state of what was on it."""
        self.state.discard()
        for file in self._terraform_files():
            file.unlink()


def start_afresh(control: Any, snapshots: Snapshots) -> list[str]:
    """`invoke up --fresh` before its deploy: stop the emulator, then discard its stored state and the
    Terraform state of every environment on it, saying what goes first (the lines to print)."""
    said = []
    stopped = control.stop()
    if stopped:
        said.append(f"stopped the emulator (pid {stopped.pid})")
    if not snapshots.state.exists():
        return [*said, "no stored state: the emulator starts empty"]
    try:
        summary = ", ".join(f"{n} {what}" for what, n in sorted(snapshots.state.header().summary.items()))
    except StateRefused:  # (a state it cannot read: what it held cannot be counted, and goes all the same)
        summary = "a state this emulator cannot read"
    environments = ", ".join(snapshots.environments()) or "none"
    said.append(f"discarding the stored state: {summary or 'nothing'}; environments {environments}")
    snapshots.discard_current()
    return said
