"""Every option means one thing across the tasks: `-e` cannot be --env in one task and --event in another."""

from __future__ import annotations

import copy
from collections import defaultdict
from pathlib import Path

from invoke import Collection, Program

from toolchain.cli import namespace

ROOT = Path(__file__).resolve().parents[4]


def _tasks() -> dict[str, object]:
    ns: Collection = namespace(ROOT)
    return {name: ns[name] for name in ns.task_names}


def test_no_task_gets_automatic_one_letter_options() -> None:
    # invoke gives each task's options the first free letter: that is how -e, -t and -f came to mean two things
    automatic = [name for name, task in _tasks().items() if task.auto_shortflags]  # type: ignore[attr-defined]
    assert automatic == []


def test_each_option_letter_means_one_option_everywhere() -> None:
    meanings: dict[str, set[str]] = defaultdict(set)
    core = {name: arg.name for arg in Program().core_args() for name in arg.names if len(name) == 1}
    for task in _tasks().values():
        task = copy.copy(task)
        task.help = dict(task.help)  # type: ignore[attr-defined]  # get_arguments() consumes the help texts: ask a copy
        for argument in task.get_arguments():  # type: ignore[attr-defined]
            longest = max(argument.names, key=len)
            for name in argument.names:
                if len(name) == 1:
                    meanings[name].add(longest)
    clashes = {letter: sorted(longs) for letter, longs in meanings.items() if len(longs) > 1}
    assert clashes == {}
    shadowing = {letter: (sorted(longs), core[letter]) for letter, longs in meanings.items()
                 if letter in core and core[letter] not in longs}  # fmt: skip
    assert shadowing == {}
