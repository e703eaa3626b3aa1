"""The CSV ETL's settings (its environment, as infra/etl.tf sets it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from lambdas.common import settings as read

TABLE = "SALES_TABLE"
INCOMING_PREFIX = "ETL_INCOMING_PREFIX"
REPORT_PREFIX = "ETL_REPORT_PREFIX"
MAX_FILE_BYTES = "ETL_MAX_FILE_BYTES"
WRITE_LANES = "ETL_WRITE_LANES"
TIME_MARGIN_SECONDS = "TIME_MARGIN_SECONDS"
VARIABLES = (TABLE, INCOMING_PREFIX, REPORT_PREFIX, MAX_FILE_BYTES, WRITE_LANES, TIME_MARGIN_SECONDS)


@dataclass(frozen=True)
class EtlSettings:
    table: str
    incoming_prefix: str
    report_prefix: str
    max_file_bytes: int
    time_margin_seconds: int
    write_lanes: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> EtlSettings:
        return cls(
            table=read.required(env, TABLE),
            incoming_prefix=read.prefix(env, INCOMING_PREFIX, "incoming/"),
            report_prefix=read.prefix(env, REPORT_PREFIX, "reports/"),
            max_file_bytes=read.integer(env, MAX_FILE_BYTES, 100 * 1000 * 1000, minimum=1024, maximum=5 << 30),
            time_margin_seconds=read.integer(env, TIME_MARGIN_SECONDS, 15, minimum=1, maximum=300),
            write_lanes=read.integer(env, WRITE_LANES, 4, minimum=1, maximum=16),
        )


current = read.cached(EtlSettings.from_env)
