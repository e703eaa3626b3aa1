"""Running Terraform on the root module for one world (the emulator, or AWS).

Terraform never runs inside infra/: each world gets a staged copy under build/tf/<world>/root with
the files that world needs added (for the emulator: endpoints and a local backend, as an override
file). Generated files therefore never reach infra/, and a checkout used for both worlds cannot
send an AWS apply to localhost. The copy keeps its own .terraform, lock file and local state.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from toolchain.colour import palette_for
from toolchain.errors import ToolchainError
from toolchain.reporting import Reporter
from toolchain.terraform.install import Terraform
from toolchain.terraform.summary import failure_excerpt, painted, summarise_plan

# Terraform's own files, kept when the copy is refreshed (at any depth: the bootstrap root is a subfolder).
_KEEP_DIRS = {".terraform", "terraform.tfstate.d"}
_KEEP_FILES = (".terraform.lock.hcl", "terraform.tfstate", "terraform.tfstate.backup", ".emulator-instance")
_STAGED_SUFFIXES = (".tf", ".tfvars", ".json", ".md", ".tftpl")

Runner = Callable[..., subprocess.CompletedProcess]


class TerraformFailed(ToolchainError):
    pass


def _source_files(infra_dir: Path) -> dict[str, bytes]:
    files = {}
    for current, dirs, names in os.walk(infra_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            path = Path(current, name)
            if name.endswith(_STAGED_SUFFIXES) and not name.startswith("."):
                files[path.relative_to(infra_dir).as_posix()] = path.read_bytes()
    return files


class TerraformProject:
    def __init__(
        self,
        terraform: Terraform,
        infra_dir: Path,
        work_dir: Path,
        reporter: Reporter,
        *,
        runner: Runner = subprocess.run,
        lock_file: Path | None = None,
        module: str = "",
        verbose: bool = False,
    ) -> None:
        self.terraform = terraform
        # Terraform's own output in full (--verbose / PLATFORM_VERBOSE=1); otherwise written to
        # <work_dir>/logs/ and summarised (summary.py), a few lines however large the platform.
        self.verbose = verbose
        self.log_dir = work_dir / "logs"
        self.lock_file = lock_file
        self.infra_dir = infra_dir
        self.work_dir = work_dir
        self.root_dir = work_dir / "root"
        # The root module Terraform runs in: the staged infra/ itself, or a folder of it (bootstrap).
        self.module_dir = self.root_dir / module if module else self.root_dir
        self._reporter = reporter
        self._run = runner
        # AWS_* of whoever Terraform acts as (the target sets them: an environment's deploy role); empty: ambient
        self.credentials: dict[str, str] = {}

    # -- staging -------------------------------------------------------------------------------
    def stage(self, generated: Mapping[str, str]) -> None:
        """Make root_dir an exact copy of infra/ plus `generated` files (relative to the module);
        Terraform's working files and state stay."""
        wanted = _source_files(self.infra_dir)
        prefix = self.module_dir.relative_to(self.root_dir).as_posix()
        wanted.update({(f"{prefix}/{n}" if prefix != "." else n): t.encode() for n, t in generated.items()})
        self.root_dir.mkdir(parents=True, exist_ok=True)
        for current, dirs, names in os.walk(self.root_dir, topdown=True):
            rel_dir = Path(current).relative_to(self.root_dir)
            dirs[:] = [d for d in dirs if d not in _KEEP_DIRS]
            for name in names:
                rel = (rel_dir / name).as_posix()
                if rel not in wanted and not name.startswith(_KEEP_FILES):
                    (self.root_dir / rel).unlink()
        for rel, data in wanted.items():
            path = self.root_dir / rel
            if not path.is_file() or path.read_bytes() != data:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)

    # -- running -------------------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.terraform.env)
        env.update(self.credentials)
        if not env.get("AWS_SESSION_TOKEN"):
            env.pop("AWS_SESSION_TOKEN", None)
        env.update({"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"})
        return env

    def run(self, args: Sequence[str], *, capture: bool = False, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.terraform.binary), f"-chdir={self.module_dir}", *args]
        result = self._run(
            command,
            env=self._env(),
            text=True,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.PIPE if capture else None,
            check=False,
        )
        if check and result.returncode not in (0,):
            detail = (result.stderr or "").strip()[-3000:] if capture else "see Terraform's output above"
            raise TerraformFailed(f"terraform {args[0]} failed (exit {result.returncode}): {detail}")
        return result

    def _init_stamp(self, backend_config: Sequence[str]) -> str:
        """What `terraform init` depends on: every staged file (module sources, providers, backend),
        the backend settings and the files they name, the lock file and the CLI configuration."""
        digest = hashlib.sha256()
        for rel, data in sorted(_source_files(self.root_dir).items()):
            digest.update(f"{rel}\0{len(data)}\0".encode() + data)
        for item in backend_config:
            named = Path(item)
            digest.update(f"backend\0{item}\0".encode() + (named.read_bytes() if named.is_file() else b""))
        lock = self.module_dir / ".terraform.lock.hcl"
        digest.update(b"lock\0" + (lock.read_bytes() if lock.is_file() else b""))
        digest.update(f"{self.terraform.binary}\0{sorted(self.terraform.env.items())}".encode())
        return digest.hexdigest()

    def init(self, backend_config: Sequence[str] = ()) -> None:
        """`terraform init`, unless nothing it depends on changed since the last one here (a second of
        Terraform's CPU per task otherwise). With a `lock_file`, the staged copy starts from it and
        writes back to it."""
        staged_lock = self.module_dir / ".terraform.lock.hcl"
        if self.lock_file is not None and self.lock_file.is_file():
            staged_lock.write_bytes(self.lock_file.read_bytes())
        stamp_file = self.module_dir / ".terraform" / "platform-init-stamp"
        stamp = self._init_stamp(backend_config)
        if stamp_file.is_file() and stamp_file.read_text() == stamp:
            return
        args = ["init", "-input=false", "-no-color"]
        args += [f"-backend-config={item}" for item in backend_config]
        result = self.run(args, capture=True, check=False)
        if result.returncode != 0:
            raise TerraformFailed(f"terraform init failed:\n{result.stderr.strip()[-3000:]}")
        kept = self.lock_file
        if (
            kept is not None
            and staged_lock.is_file()
            and (not kept.is_file() or kept.read_bytes() != staged_lock.read_bytes())
        ):
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_bytes(staged_lock.read_bytes())
        stamp_file.parent.mkdir(parents=True, exist_ok=True)
        stamp_file.write_text(self._init_stamp(backend_config))  # init may have written the lock file

    def workspaces(self) -> list[str]:
        out = self.run(["workspace", "list", "-no-color"], capture=True).stdout
        return [line.strip(" *") for line in out.splitlines() if line.strip(" *")]

    def selected_workspace(self) -> str:
        """The workspace Terraform will use here: the one `workspace select` recorded, else default."""
        recorded = self.module_dir / ".terraform" / "environment"
        return (recorded.read_text().strip() if recorded.is_file() else "") or "default"

    def select_workspace(self, name: str, *, create: bool) -> None:
        # Selected already: nothing to ask Terraform (each of its calls costs a second of CPU).
        if self.selected_workspace() == name:
            return
        selected = self.run(["workspace", "select", "-no-color", name], capture=True, check=False)
        if selected.returncode == 0:
            return
        if "doesn't exist" not in (selected.stderr or "") + (selected.stdout or ""):
            raise TerraformFailed(f"terraform workspace select failed: {(selected.stderr or '').strip()[-3000:]}")
        if create:
            self.run(["workspace", "new", "-no-color", name], capture=True)
            return
        raise ToolchainError(
            f"workspace {name!r} does not exist in {self.work_dir.name}",
            f"apply it first (`invoke apply --env {name}`), or pick one of: {', '.join(self.workspaces())}",
        )

    @staticmethod
    def _var_args(var_files: Sequence[Path], variables: Mapping[str, str]) -> list[str]:
        args = [f"-var-file={path}" for path in var_files]
        args += [f"-var={name}={value}" for name, value in variables.items()]
        return args

    def apply(self, var_files: Sequence[Path], variables: Mapping[str, str]) -> None:
        self._apply(["-auto-approve", *self._var_args(var_files, variables)])

    def destroy(self, var_files: Sequence[Path], variables: Mapping[str, str]) -> None:
        self._apply(["-destroy", "-auto-approve", *self._var_args(var_files, variables)])

    def apply_plan(self, plan_file: Path) -> None:
        """Apply a saved plan exactly; Terraform refuses one made against a state that has moved since."""
        self._apply([str(plan_file)])

    def log_file(self, command: str) -> Path:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return self.log_dir / f"{command}.log"

    def _apply(self, args: Sequence[str]) -> None:
        """Apply. Verbose: Terraform's progress as it happens. Otherwise its output goes to a log file
        and only its summary line is shown (errors in full, with the log's path). Its listing of
        outputs is left out either way: callers print the outputs as a table."""
        command = [str(self.terraform.binary), f"-chdir={self.module_dir}", "apply", "-input=false", "-no-color", *args]
        log_path = self.log_file("apply")
        with subprocess.Popen(command, env=self._env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) as process, log_path.open("w") as log:  # fmt: skip
            assert process.stdout is not None
            showing = True
            for line in process.stdout:
                log.write(line)
                showing = showing and line.rstrip() != "Outputs:"
                if showing and (self.verbose or line.startswith(("Apply complete!", "Destroy complete!"))):
                    sys.stdout.write(line)
                    sys.stdout.flush()
        if process.returncode != 0:
            if not self.verbose:
                sys.stdout.write(failure_excerpt(log_path.read_text()))
            raise TerraformFailed(f"terraform apply failed (exit {process.returncode}): see above "
                                  f"(Terraform's whole output: {log_path})")  # fmt: skip

    def plan(
        self,
        var_files: Sequence[Path],
        variables: Mapping[str, str],
        *,
        out: Path | None = None,
        quiet: bool = False,
    ) -> bool:
        """Run a plan; True if it proposes changes."""
        args = [
            "plan",
            "-input=false",
            "-no-color",
            "-detailed-exitcode",
            *self._var_args(var_files, variables),
        ]
        if out is not None:
            args.append(f"-out={out}")
        shown = self.verbose and not quiet
        result = self.run(args, capture=not shown, check=False)
        if not shown:
            self.log_file("plan").write_text((result.stdout or "") + (result.stderr or ""))
            if not quiet and result.returncode != 1:
                palette = palette_for(sys.stdout)
                for line in summarise_plan(result.stdout or ""):
                    sys.stdout.write(f"{painted(line, palette)}\n")
        if result.returncode == 1:
            raise TerraformFailed(f"terraform plan failed: {(result.stderr or '').strip()[-3000:]}")
        return result.returncode == 2

    def show_plan_json(self, plan_file: Path) -> dict[str, Any]:
        return json.loads(self.run(["show", "-json", str(plan_file)], capture=True).stdout)

    def state(self) -> dict[str, Any]:
        """The workspace's whole state (`terraform state pull`), wherever its backend keeps it."""
        return json.loads(self.run(["state", "pull"], capture=True).stdout or "{}")

    def outputs(self) -> dict[str, Any]:
        raw = json.loads(self.run(["output", "-json"], capture=True).stdout or "{}")
        return {name: item.get("value") for name, item in raw.items()}
