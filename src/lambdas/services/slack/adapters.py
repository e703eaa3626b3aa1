"""The bot's outside world: a weather HTTP endpoint and the platform's own AWS resources."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from urllib.parse import quote

from lambdas.common import aws
from lambdas.common.money import parse_amount
from lambdas.services.slack.commands import Check, Weather, WeatherUnavailable

USER_AGENT = "serverless-platform-slack-bot/1.0 (+https://github.com/)"
STATUS_BUDGET_SECONDS = 1.5
MAX_DESCRIPTION = 200


class HttpWeather:
    """Current conditions from a wttr.in-style JSON endpoint (`?format=j1`)."""

    def __init__(self, url_template: str, timeout: float) -> None:
        self._template = url_template
        self._timeout = timeout

    def current(self, place: str) -> Weather:
        import requests

        url = self._template.replace("{place}", quote(place, safe=""))
        try:
            reply = requests.get(
                url, timeout=(min(1.0, self._timeout), self._timeout), headers={"User-Agent": USER_AGENT}
            )
            reply.raise_for_status()
            data = reply.json()
            now = data["current_condition"][0]
            # the site's number goes through the platform's one number rule: no NaN, inf or "١٢"
            celsius = parse_amount(now["temp_C"], decimals=2, integer_digits=3, allow_zero=True, allow_negative=True,
                                   allow_float=True)  # fmt: skip
            description = str(now["weatherDesc"][0]["value"]).lower()[:MAX_DESCRIPTION]
            return Weather(place, float(celsius), description)
        except (requests.RequestException, ValueError, KeyError, IndexError, TypeError) as exc:
            raise WeatherUnavailable(f"{type(exc).__name__}: {exc}") from None


class PlatformHealth:
    """Tables ACTIVE and functions Active, checked in parallel within a fixed time budget."""

    def __init__(self, tables: Sequence[str], functions: Sequence[str]) -> None:
        self._tables = tables
        self._functions = functions

    @staticmethod
    def _table(name: str) -> Check:
        status = aws.client("dynamodb", interactive=True).describe_table(TableName=name)["Table"]["TableStatus"]
        return Check(f"table {name}", status == "ACTIVE", status)

    @staticmethod
    def _function(name: str) -> Check:
        config = aws.client("lambda", interactive=True).get_function_configuration(FunctionName=name)
        state = config.get("State", "Active")
        return Check(f"function {name}", state == "Active", state)

    def checks(self) -> list[Check]:
        jobs = [(f"table {t}", self._table, t) for t in self._tables] + [
            (f"function {f}", self._function, f) for f in self._functions
        ]
        if not jobs:
            return [Check("platform", True, "no resources configured to check")]
        pool = ThreadPoolExecutor(max_workers=min(8, len(jobs)))
        futures = {pool.submit(check, arg): name for name, check, arg in jobs}
        done, _ = wait(futures, timeout=STATUS_BUDGET_SECONDS)
        pool.shutdown(wait=False, cancel_futures=True)
        results = []
        for future, name in futures.items():
            if future not in done:
                results.append(Check(name, False, "no answer in time"))
            elif future.exception() is not None:
                error = future.exception()
                results.append(Check(name, False, aws.error_code(error) or type(error).__name__))
            else:
                results.append(future.result())
        return results
