"""The staged root module: an exact copy of infra/ plus generated files; state and caches survive."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from toolchain.errors import ToolchainError
from toolchain.reporting import RecordingReporter
from toolchain.terraform.install import Terraform
from toolchain.terraform.overrides import OVERRIDE_FILE, emulator_override
from toolchain.terraform.project import TerraformProject


class FakeTerraform:
    def __init__(self, workspaces: list[str]) -> None:
        self.workspaces = workspaces
        self.commands: list[list[str]] = []

    def __call__(self, command: list[str], **kwargs) -> subprocess.CompletedProcess:
        args = command[2:]
        self.commands.append(args)
        recorded = Path(command[1].removeprefix("-chdir=")) / ".terraform" / "environment"
        if args[:2] == ["workspace", "list"]:
            out = "".join(f"  {w}\n" for w in self.workspaces)
            return subprocess.CompletedProcess(command, 0, out, "")
        if args[:2] == ["workspace", "select"]:
            if args[-1] not in self.workspaces:  # as Terraform 1.0 to 1.9 answer
                return subprocess.CompletedProcess(command, 1, "", f'Workspace "{args[-1]}" doesn\'t exist.\n')
            recorded.parent.mkdir(parents=True, exist_ok=True)
            recorded.write_text(args[-1])
        if args[:2] == ["workspace", "new"]:
            self.workspaces.append(args[-1])
            recorded.parent.mkdir(parents=True, exist_ok=True)
            recorded.write_text(args[-1])
        return subprocess.CompletedProcess(command, 0, "", "")


def project(tmp_path: Path, runner: FakeTerraform) -> TerraformProject:
    infra = tmp_path / "infra"
    (infra / "modules/fn").mkdir(parents=True, exist_ok=True)
    (infra / "main.tf").write_text("# main\n")
    (infra / "modules/fn/main.tf").write_text("# module\n")
    (infra / "workspaces").mkdir(exist_ok=True)
    (infra / "workspaces/dev.tfvars").write_text('environment = "dev"\n')
    tool = Terraform(Path("/bin/terraform"), "offline", {"TF_CLI_CONFIG_FILE": "/x"})
    return TerraformProject(tool, infra, tmp_path / "work", RecordingReporter(), runner=runner)


def test_staging_copies_infra_and_adds_generated_files(tmp_path: Path) -> None:
    p = project(tmp_path, FakeTerraform([]))
    p.stage({OVERRIDE_FILE: emulator_override("http://127.0.0.1:1234")})
    assert (p.root_dir / "main.tf").read_text() == "# main\n"
    assert (p.root_dir / "modules/fn/main.tf").read_text() == "# module\n"
    assert "http://127.0.0.1:1234" in (p.root_dir / OVERRIDE_FILE).read_text()
    assert not (tmp_path / "infra" / OVERRIDE_FILE).exists()


def test_restaging_removes_deleted_files_but_keeps_state(tmp_path: Path) -> None:
    p = project(tmp_path, FakeTerraform([]))
    p.stage({OVERRIDE_FILE: "# one\n"})
    state = p.root_dir / "terraform.tfstate.d/dev/terraform.tfstate"
    state.parent.mkdir(parents=True)
    state.write_text("{}")
    (p.root_dir / ".terraform").mkdir()
    (p.root_dir / ".terraform.lock.hcl").write_text("# lock\n")
    (tmp_path / "infra/modules/fn/main.tf").unlink()
    p.stage({})
    assert not (p.root_dir / "modules/fn/main.tf").exists()
    assert not (p.root_dir / OVERRIDE_FILE).exists()
    assert state.read_text() == "{}"
    assert (p.root_dir / ".terraform.lock.hcl").exists()


def test_an_existing_workspace_is_selected_a_new_one_created(tmp_path: Path) -> None:
    runner = FakeTerraform(["default", "dev"])
    p = project(tmp_path, runner)
    p.select_workspace("dev", create=True)
    p.select_workspace("emulator", create=True)
    assert ["workspace", "select", "-no-color", "dev"] in runner.commands
    assert ["workspace", "new", "-no-color", "emulator"] in runner.commands


def test_the_selected_workspace_is_not_selected_again(tmp_path: Path) -> None:
    runner = FakeTerraform(["default", "dev"])
    p = project(tmp_path, runner)
    p.select_workspace("dev", create=True)
    p.select_workspace("dev", create=True)
    p.select_workspace("default", create=False)
    assert runner.commands == [["workspace", "select", "-no-color", "dev"],
                               ["workspace", "select", "-no-color", "default"]]  # fmt: skip
    assert p.selected_workspace() == "default"


def test_a_failing_select_that_is_not_a_missing_workspace_is_terraforms_error(tmp_path: Path) -> None:
    def runner(command, **kwargs):
        return subprocess.CompletedProcess(command, 1, "", "Error loading state: AccessDenied")

    p = project(tmp_path, runner)  # type: ignore[arg-type]
    with pytest.raises(ToolchainError, match="AccessDenied"):
        p.select_workspace("dev", create=True)


def test_a_missing_workspace_is_a_clear_error_when_not_creating(tmp_path: Path) -> None:
    p = project(tmp_path, FakeTerraform(["default", "dev"]))
    with pytest.raises(ToolchainError, match="workspace 'prod' does not exist") as caught:
        p.select_workspace("prod", create=False)
    assert "default, dev" in caught.value.hint


def test_every_call_uses_the_offline_cli_config_and_the_staged_dir(tmp_path: Path) -> None:
    seen = {}

    def runner(command, **kwargs):
        seen.update(command=command, env=kwargs["env"])
        return subprocess.CompletedProcess(command, 0, "{}", "")

    p = project(tmp_path, runner)  # type: ignore[arg-type]
    p.outputs()
    assert seen["command"][:2] == ["/bin/terraform", f"-chdir={p.root_dir}"]
    assert seen["env"]["TF_CLI_CONFIG_FILE"] == "/x"
    assert seen["env"]["TF_INPUT"] == "0"


def test_the_emulator_override_speaks_both_provider_generations() -> None:
    text = emulator_override("http://127.0.0.1:9")
    assert 'backend "local" {}' in text
    assert "s3_force_path_style         = true" in text  # aws 3.x
    assert "s3_use_path_style           = true" in text  # aws 4+
    for service in ("lambda", "s3", "iam", "sts", "cloudwatchlogs", "cloudwatchevents", "stepfunctions"):
        assert f'    {service} = "http://127.0.0.1:9"' in text
    assert "    events =" not in text and "    sfn =" not in text  # 5.x-only names would break aws 3.39


@pytest.mark.documents("terraform.md", "Lock files")
def test_a_kept_lock_file_seeds_init_and_receives_its_result(tmp_path: Path) -> None:
    def runner(command, **kwargs):
        lock = Path(command[1].removeprefix("-chdir=")) / ".terraform.lock.hcl"
        if command[2] == "init":
            assert lock.read_text() == "# pinned online\n"
            lock.write_text("# pinned online\n# plus a new platform\n")
        return subprocess.CompletedProcess(command, 0, "", "")

    p = project(tmp_path, runner)  # type: ignore[arg-type]
    kept = tmp_path / "infra/locks/online.terraform.lock.hcl"
    kept.parent.mkdir()
    kept.write_text("# pinned online\n")
    p.lock_file = kept
    p.stage({})
    p.init()
    assert kept.read_text() == "# pinned online\n# plus a new platform\n"


def test_init_runs_again_only_when_what_it_depends_on_changed(tmp_path: Path) -> None:
    runner = FakeTerraform([])
    p = project(tmp_path, runner)
    backend = tmp_path / "backend.hcl"
    backend.write_text('bucket = "one"\n')
    inits = lambda: sum(1 for c in runner.commands if c[0] == "init")  # noqa: E731

    p.stage({})
    p.init([str(backend)])
    p.init([str(backend)])
    assert inits() == 1  # nothing changed: Terraform is not asked again

    (tmp_path / "infra/modules/fn/main.tf").write_text("# module, its source moved\n")
    p.stage({})
    p.init([str(backend)])
    assert inits() == 2  # a staged file changed

    backend.write_text('bucket = "two"\n')
    p.init([str(backend)])
    assert inits() == 3  # the backend's settings changed, though the file's name did not

    p.init([str(backend), "key=other"])
    assert inits() == 4

    (p.module_dir / ".terraform.lock.hcl").write_text("# another provider\n")
    p.init([str(backend), "key=other"])
    assert inits() == 5


def test_a_failed_init_is_tried_again_next_time(tmp_path: Path) -> None:
    calls = []

    def runner(command, **kwargs):
        calls.append(command[2])
        return subprocess.CompletedProcess(command, 1 if len(calls) == 1 else 0, "", "Error: no network")

    p = project(tmp_path, runner)  # type: ignore[arg-type]
    p.stage({})
    with pytest.raises(ToolchainError, match="no network"):
        p.init()
    p.init()
    p.init()
    assert calls == ["init", "init"]
