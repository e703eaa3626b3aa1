"""Gradual releases against the emulator's Lambda and CloudWatch: a canary of a good version ends with all
of the traffic on it; a canary of a failing version trips its per-version alarm during the bake, and
`live` is back on the previous version with every request after it succeeding."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from typing import Any

import pytest

from toolchain.deploy.release import ALIAS
from toolchain.deploy.releases import ReleaseRolledBack, Shifter, Strategy
from toolchain.emulator.clients import emulator_client
from toolchain.reporting import RecordingReporter

from .emulated import behind_live, code_zip

pytestmark = pytest.mark.usefixtures("control")


def _failing_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    raise RuntimeError('the new build is broken')\n")
    return out.getvalue()


@pytest.fixture
def released(clients: dict[str, Any], role: str, layer_arn: str) -> str:
    """A function on version 1 behind `live`, with an errors alarm as infra/ gives every function."""
    lam = clients["lambda"]
    name = behind_live(lam, role, layer_arn, "canary")
    emulator_client("cloudwatch", lam.meta.endpoint_url).put_metric_alarm(
        AlarmName=f"{name}-errors", Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum", Period=300,
        Dimensions=[{"Name": "FunctionName", "Value": name}], EvaluationPeriods=1, Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching",
    )  # fmt: skip
    return name


class Traffic:
    """Invocations of `live`, one after another, until stopped: the version each ran, or the error."""

    def __init__(self, lam: Any, name: str) -> None:
        self.ran: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(lam, name), daemon=True)

    def _run(self, lam: Any, name: str) -> None:
        while not self._stop.is_set():
            answer = lam.invoke(FunctionName=name, Qualifier=ALIAS, Payload=b"{}")
            body = json.loads(answer["Payload"].read())
            self.ran.append("error" if "FunctionError" in answer else body["version"])
            time.sleep(0.05)

    def __enter__(self) -> Traffic:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)


@pytest.fixture
def shifter(emulator: str) -> Shifter:
    return Shifter(emulator_client("lambda", emulator), emulator_client("cloudwatch", emulator), RecordingReporter(),
                  poll=0.5)  # fmt: skip


def _alias(lam: Any, name: str) -> tuple[str, dict]:
    alias = lam.get_alias(FunctionName=name, Name=ALIAS)
    return alias["FunctionVersion"], (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}


def test_a_clean_canary_ends_with_all_of_the_traffic_on_the_new_version(
    emulator: str, released: str, shifter: Shifter
) -> None:
    lam = emulator_client("lambda", emulator)
    version = lam.update_function_code(FunctionName=released, ZipFile=code_zip("2"), Publish=True)["Version"]
    functions = {"fn": {"function_name": released, "version": version}}
    with Traffic(lam, released) as traffic:
        moves = shifter.run(functions, Strategy((50,), 4.0))
    assert [(m.before, m.after) for m in moves] == [("1", version)]
    assert _alias(lam, released) == (version, {})
    assert "previous version: 1" in lam.get_alias(FunctionName=released, Name=ALIAS)["Description"]
    # both versions served during the bake, and nothing failed
    assert {"1", "2"} <= set(traffic.ran) and "error" not in traffic.ran, traffic.ran
    # the bake's alarms are gone with it
    left = emulator_client("cloudwatch", emulator).describe_alarms(AlarmNamePrefix=f"{released}-bake")
    assert left["MetricAlarms"] == []


@pytest.mark.documents("environments.md", "Gradual releases: canary and linear")
def test_a_failing_canary_trips_its_alarm_and_live_goes_back(emulator: str, released: str, shifter: Shifter) -> None:
    lam = emulator_client("lambda", emulator)
    broken = lam.update_function_code(FunctionName=released, ZipFile=_failing_zip(), Publish=True)["Version"]
    functions = {"fn": {"function_name": released, "version": broken}}
    started = time.monotonic()
    with Traffic(lam, released), pytest.raises(ReleaseRolledBack) as failed:
        shifter.run(functions, Strategy((30,), 120.0))
    # the alarm on the new version fired well before the bake's end, and says so
    assert time.monotonic() - started < 60
    assert f"{released}-bake-v{broken}-errors" in str(failed.value)
    assert _alias(lam, released) == ("1", {})
    # every request after the rollback runs the previous version, and succeeds
    after = [json.loads(lam.invoke(FunctionName=released, Qualifier=ALIAS, Payload=b"{}")["Payload"].read())
             for _ in range(20)]  # fmt: skip
    assert {a.get("version") for a in after} == {"1"}
    # the function's own errors alarm is per function and was not what the bake read
    left = emulator_client("cloudwatch", emulator).describe_alarms(AlarmNamePrefix=f"{released}-bake")
    assert left["MetricAlarms"] == []
