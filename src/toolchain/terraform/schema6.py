"""infra/ checked against the current hashicorp/aws (6.x) schema, offline of any Terraform registry.

This machine's Terraform runs aws 3.39; users online run 6.x. What 6.x removed or renamed would
only show up in their plan. The npm registry carries bindings generated from the 6.x schema
(`@cdktn/provider-aws`): for each resource, a module whose `synthesizeAttributes` lists every
argument and block by its Terraform name, and a `...ToTerraform` function per nested block listing
that block's. Every resource, argument and block infra/ writes must be among them; `*_override.tf`
files are skipped (Terraform ignores there what a provider does not know, on purpose: see
docs/terraform.md).
"""

from __future__ import annotations

import re
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from toolchain.digests import file_sha256
from toolchain.errors import ToolchainError

PACKAGE = "@cdktn/provider-aws"
VERSION = "25.7.0"  # generated from hashicorp/aws 6.66.0
TARBALL_SHA256 = "b3e5ee2851ae47595a0dedad3678779aebca6d6b5f318ca1902b87ddbef82208"
META_ARGUMENTS = {"count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"}

_RESOURCE = re.compile(r'^resource\s+"([\w-]+)"\s+"([\w-]+)"\s*\{\s*$')
_ARGUMENT = re.compile(r"^([A-Za-z_][\w-]*)\s*=")
_BLOCK = re.compile(r'^([A-Za-z_][\w-]*)\s*(?:"[^"]*"\s*)*\{\s*(\}\s*)?$')
_DYNAMIC = re.compile(r'^dynamic\s+"([\w-]+)"\s*\{\s*$')
_HEREDOC = re.compile(r"<<-?\s*([A-Z_]+)\s*$")


@dataclass
class Block:
    """What a resource (or a nested block) writes: argument names, and nested blocks by name."""

    arguments: set[str] = field(default_factory=set)
    blocks: dict[str, Block] = field(default_factory=dict)


@dataclass(frozen=True)
class Written:
    type: str
    address: str
    where: str
    body: Block


def _strip(line: str) -> str:
    """The line without a trailing comment (strings may hold '#', so only ' #' outside quotes)."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"' and (index == 0 or line[index - 1] != "\\"):
            quoted = not quoted
        elif not quoted and (char == "#" or line[index : index + 2] == "//"):
            return line[:index].rstrip()
    return line.rstrip()


def _depth(line: str) -> int:
    """How much the line opens ({, [, () minus closes, outside strings."""
    depth, quoted = 0, False
    for index, char in enumerate(line):
        if char == '"' and (index == 0 or line[index - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char in "{[(":
            depth += 1
        elif not quoted and char in "}])":
            depth -= 1
    return depth


def _parse_body(lines: list[str], start: int) -> tuple[Block, int]:
    """The block whose body starts at `start`, and the index after its closing brace."""
    body = Block()
    index = start
    while index < len(lines):
        line = _strip(lines[index]).strip()
        index += 1
        if not line:
            continue
        if line == "}":
            return body, index
        dynamic = _DYNAMIC.match(line)
        block = _BLOCK.match(line)
        argument = _ARGUMENT.match(line)
        if dynamic:
            wrapper, index = _parse_body(lines, index)
            body.blocks[dynamic.group(1)] = wrapper.blocks.get("content", Block())
        elif block and not argument:
            if block.group(2):  # an empty block on one line: `name {}`
                body.blocks.setdefault(block.group(1), Block())
                continue
            nested, index = _parse_body(lines, index)
            body.blocks[block.group(1)] = nested
        elif argument:
            body.arguments.add(argument.group(1))
            heredoc = _HEREDOC.search(line)
            if heredoc:
                while index < len(lines) and lines[index].strip() != heredoc.group(1):
                    index += 1
                index += 1
                continue
            depth = _depth(line)
            while depth > 0 and index < len(lines):  # a multi-line value: skip to its end
                depth += _depth(_strip(lines[index]))
                index += 1
    return body, index


def written_resources(infra: Path) -> Iterator[Written]:
    """Every `resource` block under infra/ (modules included), override files left out."""
    for path in sorted(infra.rglob("*.tf")):
        if path.name.endswith("_override.tf") or ".terraform" in path.parts:
            continue
        lines = path.read_text().splitlines()
        index = 0
        while index < len(lines):
            match = _RESOURCE.match(lines[index].strip())
            index += 1
            if match:
                body, index = _parse_body(lines, index)
                where = f"{path.relative_to(infra)}:{index}"
                yield Written(match.group(1), f"{match.group(1)}.{match.group(2)}", where, body)


# -- the 6.x side ---------------------------------------------------------------------------------
_TO_TERRAFORM = re.compile(r"function (\w+)ToTerraform\(struct\) \{(.*?)\n\}", re.DOTALL)
_SYNTH = re.compile(r"synthesizeAttributes\(\) \{\s*return \{(.*?)\n\s*\};", re.DOTALL)
_KEY = re.compile(r"^\s*(\w+): (.*)$", re.MULTILINE)
_NESTED = re.compile(r"\b(\w+)ToTerraform\b")
_TYPE = re.compile(r'static tfResourceType = "([\w-]+)";')


@dataclass
class Schema:
    """A 6.x resource's arguments and blocks (blocks map to their own Schema)."""

    names: set[str] = field(default_factory=set)
    blocks: dict[str, Schema] = field(default_factory=dict)


def _schema_of(source: str) -> tuple[str, Schema] | None:
    resource_type = _TYPE.search(source)
    synth = _SYNTH.search(source)
    if not resource_type or not synth:
        return None
    functions = dict(_TO_TERRAFORM.findall(source))

    def build(body: str, seen: frozenset[str]) -> Schema:
        schema = Schema()
        for key, value in _KEY.findall(body):
            schema.names.add(key)
            nested = next(
                (n for n in _NESTED.findall(value) if n in functions), None
            )  # lists: listMapper(fToTerraform)
            if nested and nested not in seen:
                schema.blocks[key] = build(functions[nested], seen | {nested})
        return schema

    return resource_type.group(1), build(synth.group(1), frozenset())


class AwsSixSchema:
    """The bindings' schema, read from the npm tarball (fetched once into the cache by `npm pack`)."""

    def __init__(self, tarball: Path) -> None:
        self._tarball = tarball
        self._cache: dict[str, Schema | None] = {}

    @classmethod
    def fetch(cls, cache: Path) -> AwsSixSchema:
        tarball = cache / f"cdktn-provider-aws-{VERSION}.tgz"
        if not tarball.is_file():
            cache.mkdir(parents=True, exist_ok=True)
            try:
                subprocess.run(["npm", "pack", f"{PACKAGE}@{VERSION}", "--silent", "--pack-destination", str(cache)],
                               capture_output=True, text=True, check=True, timeout=600)  # fmt: skip
            except (OSError, subprocess.SubprocessError) as exc:
                raise ToolchainError(
                    f"could not fetch {PACKAGE}@{VERSION} with npm: {exc}",
                    "install Node.js and npm (the npm registry must be reachable)",
                ) from None
        digest = file_sha256(tarball)
        if digest != TARBALL_SHA256:
            tarball.unlink()
            raise ToolchainError(f"{tarball.name} has sha256 {digest}, not the pinned {TARBALL_SHA256}")
        return cls(tarball)

    def load(self, resource_types: set[str]) -> None:
        """Read these resources' modules in one pass over the tarball (a pass per type would be 2,400)."""
        wanted = {f"package/lib/{t.removeprefix('aws_').replace('_', '-')}/index.js": t for t in resource_types}
        wanted = {member: t for member, t in wanted.items() if t not in self._cache}
        with tarfile.open(self._tarball) as archive:
            for member in archive:
                if member.name in wanted:
                    source = archive.extractfile(member)
                    parsed = _schema_of(source.read().decode()) if source else None
                    resource_type = wanted.pop(member.name)
                    self._cache[resource_type] = parsed[1] if parsed and parsed[0] == resource_type else None
        for resource_type in wanted.values():
            self._cache[resource_type] = None

    def resource(self, resource_type: str) -> Schema | None:
        if resource_type not in self._cache:
            self.load({resource_type})
        return self._cache[resource_type]


def _compare(written: Block, schema: Schema, path: str) -> Iterator[str]:
    for name in sorted(written.arguments - META_ARGUMENTS):
        if name not in schema.names or name in schema.blocks:
            yield f"{path}.{name}: not an argument in aws 6.x"
    for name, block in sorted(written.blocks.items()):
        if name in META_ARGUMENTS:
            continue
        if name not in schema.blocks:
            yield f"{path}.{name}: not a block in aws 6.x"
        else:
            yield from _compare(block, schema.blocks[name], f"{path}.{name}")


def unknown_to_aws6(infra: Path, schema: AwsSixSchema) -> list[str]:
    """What infra/ writes that aws 6.x does not know, as `file:line address.path: why`."""
    problems = []
    resources = list(written_resources(infra))
    schema.load({r.type for r in resources})
    for resource in resources:
        known = schema.resource(resource.type)
        if known is None:
            problems.append(f"{resource.where} {resource.address}: no such resource type in aws 6.x")
            continue
        problems += [f"{resource.where} {problem}" for problem in _compare(resource.body, known, resource.address)]
    return problems
