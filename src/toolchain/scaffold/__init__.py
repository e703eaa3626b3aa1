"""`invoke new NAME --trigger ...`: a new function, everywhere it must be declared, in one command.

Writes the service (thin handler, domain module, its own settings), its Terraform (the function
module, its trigger, a least-privilege policy, a failure destination where the trigger is
asynchronous), a sample event, unit and integration tests, and its line in pyproject.toml. Alarms,
the dashboard and the outputs find the function by themselves (infra/functions_index.tf).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from toolchain.config import ProjectConfig
from toolchain.errors import ToolchainError
from toolchain.events import Choices, generate

TRIGGERS = ("api", "s3", "sqs", "sns", "schedule", "kinesis")
TEMPLATES = Path(__file__).parent / "templates"
_MESSAGES = ("sqs", "sns", "kinesis")  # one domain module serves every trigger that delivers messages


def _template(kind: str, trigger: str = "") -> str:
    shared = "message" if trigger in _MESSAGES and kind in ("service", "test-unit") else trigger
    name = f"{kind}-{shared}" if shared else kind
    suffix = ".tf.tmpl" if kind == "infra" else ".py.tmpl"
    return (TEMPLATES / (name + suffix)).read_text(encoding="utf-8")


_NAME = re.compile(r"^[a-z][a-z0-9-]{1,28}[a-z0-9]$")
ROUTES_MARKER = "    # `invoke new NAME --trigger api` adds its route above this line."


@dataclass
class Scaffold:
    name: str
    trigger: str
    written: list[Path] = field(default_factory=list)

    @property
    def package(self) -> str:
        return self.name.replace("-", "_")


def _check(config: ProjectConfig, name: str, trigger: str) -> None:
    if trigger not in TRIGGERS:
        raise ToolchainError(f"no trigger {trigger!r}", f"use one of: {', '.join(TRIGGERS)}")
    if not _NAME.match(name):
        raise ToolchainError(f"{name!r} is not a function name",
                             "use 3-30 lowercase letters, digits and '-', starting with a letter")  # fmt: skip
    package = name.replace("-", "_")
    taken = [
        f"pyproject.toml declares {name}" if name in {f.name for f in config.functions} else "",
        "src/lambdas/services/" + package if (config.source_root / "lambdas/services" / package).exists() else "",
        f"infra/{package}.tf" if (config.infra_dir / f"{package}.tf").exists() else "",
    ]
    if any(taken):
        raise ToolchainError(f"{name} exists already: {', '.join(t for t in taken if t)}", "pick another name")


def _event(scaffold: Scaffold) -> dict:
    body = json.dumps({"id": "example-1", "note": f"a sample {scaffold.trigger} event for {scaffold.name}"})
    choices = {
        "api": Choices(method="GET", path=f"/{scaffold.name}", token="Bearer <token>"),  # noqa: S106 - a placeholder
        "s3": Choices(bucket="{{" + f"{scaffold.package}_bucket_name" + "}}", key="incoming/example.txt", body="x"),
        "sqs": Choices(body=body, arn="{{" + f"{scaffold.package}_queue_arn" + "}}"),
        "sns": Choices(body=body, arn="{{" + f"{scaffold.package}_topic_arn" + "}}"),
        "schedule": Choices(),
        "kinesis": Choices(body=body),
    }[scaffold.trigger]
    return generate({"api": "api"}.get(scaffold.trigger, scaffold.trigger), choices)


def _write(scaffold: Scaffold, path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    scaffold.written.append(path)


def _register(config: ProjectConfig, scaffold: Scaffold) -> None:
    pyproject = config.root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    line = f'{scaffold.name} = "lambdas.services.{scaffold.package}.handler.lambda_handler"\n'
    section = text.index("[tool.platform.functions]")
    end = text.find("\n[", section + 1)
    end = len(text) if end == -1 else end + 1
    body = text[section:end].rstrip("\n") + "\n" + line
    pyproject.write_text(text[:section] + body + ("\n" if end < len(text) else "") + text[end:], encoding="utf-8")
    scaffold.written.append(pyproject)


def _route(config: ProjectConfig, scaffold: Scaffold) -> None:
    http = config.infra_dir / "http.tf"
    text = http.read_text(encoding="utf-8")
    if ROUTES_MARKER not in text:
        raise ToolchainError("infra/http.tf has no place for new routes", f"put back the line: {ROUTES_MARKER.strip()}")
    module = f"module.{scaffold.package}"
    route = (f'    "GET /{scaffold.name}" = {{ function_name = {module}.function_name, '
             f"invoke_arn = {module}.live_invoke_arn, authorized = true }}\n")  # fmt: skip
    http.write_text(text.replace(ROUTES_MARKER, route + ROUTES_MARKER), encoding="utf-8")
    scaffold.written.append(http)


def new_function(config: ProjectConfig, name: str, trigger: str) -> Scaffold:
    _check(config, name, trigger)
    scaffold = Scaffold(name, trigger)
    values = {"__NAME__": scaffold.name, "__PACKAGE__": scaffold.package, "__TRIGGER__": trigger}

    def fill(template: str) -> str:
        for token, value in values.items():
            template = template.replace(token, value)
        return template

    service_dir = config.source_root / "lambdas" / "services" / scaffold.package
    docstring = f'"""{name}: a function started by `invoke new --trigger {trigger}`."""\n'
    _write(scaffold, service_dir / "__init__.py", docstring)
    _write(scaffold, service_dir / "settings.py", fill(_template("settings")))
    _write(scaffold, service_dir / "service.py", fill(_template("service", trigger)))
    _write(scaffold, service_dir / "handler.py", fill(_template("handler", trigger)))
    _write(scaffold, config.infra_dir / f"{scaffold.package}.tf", fill(_template("infra", trigger)))
    _write(scaffold, config.root / "events" / f"{name}.json", json.dumps(_event(scaffold), indent=2) + "\n")
    unit = config.root / "tests" / "unit" / "lambdas" / "services" / scaffold.package
    _write(scaffold, unit / "__init__.py", "")
    _write(scaffold, unit / "test_service.py", fill(_template("test-unit", trigger)))
    _write(scaffold, config.root / "tests" / "integration" / f"test_{scaffold.package}_handler.py",
           fill(_template("test-integration", trigger)))  # fmt: skip
    _register(config, scaffold)
    if trigger == "api":
        _route(config, scaffold)
    return scaffold
