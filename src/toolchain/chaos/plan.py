"""What a seeded run does and when: each input (its entry point, its tag and its moment) and each
disruption (a function's workers crashed, the emulator killed and started again). The same seed and
profile give the same plan; the faults the emulator injects follow the same seed (faults.py).
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass

from toolchain.chaos.profile import ChaosProfile

# disruptions fall inside the run, not at its edges, so load is flowing before and after each
DISRUPTED_SPAN = (0.15, 0.85)


@dataclass(frozen=True)
class Input:
    at: float  # seconds from the start
    entry: str
    number: int  # its place in the run; with the run's own id, {n} in the profile's templates


@dataclass(frozen=True)
class Disruption:
    at: float
    kind: str  # "crash-workers" | "restart-emulator"
    target: str = ""  # the function (its key in `functions`) whose workers crash


@dataclass(frozen=True)
class Plan:
    seed: int
    seconds: float
    inputs: tuple[Input, ...]
    disruptions: tuple[Disruption, ...]

    def fingerprint(self) -> str:
        """The same for the same seed, profile and length: two runs did the same things."""
        text = json.dumps([self.seed, self.seconds, [asdict(i) for i in self.inputs],
                           [asdict(d) for d in self.disruptions]])  # fmt: skip
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def make_plan(seed: int, seconds: float, profile: ChaosProfile, functions: list[str]) -> Plan:
    """Inputs at the profile's rate (each entry point by its weight), and its disruptions at moments
    and on functions the seed chooses; `functions` are the environment's, by key."""
    draw = random.Random(f"chaos:{seed}")  # noqa: S311 (a seed, not a secret)
    names = sorted(profile.accounts)
    weights = [profile.accounts[n].weight for n in names]
    count = max(1, round(seconds * profile.rate))
    inputs = tuple(Input(round(n / profile.rate, 3), draw.choices(names, weights)[0], n) for n in range(count))
    low, high = (seconds * edge for edge in DISRUPTED_SPAN)
    disruptions = [Disruption(round(draw.uniform(low, high), 3), "crash-workers", draw.choice(sorted(functions)))
                   for _ in range(profile.worker_crashes if functions else 0)]  # fmt: skip
    disruptions += [Disruption(round(draw.uniform(low, high), 3), "restart-emulator")
                    for _ in range(profile.emulator_restarts)]  # fmt: skip
    return Plan(seed, seconds, inputs, tuple(sorted(disruptions, key=lambda d: d.at)))
