"""`make bench-triage` end to end at a tiny size: seed, the import, the API bulk, the live refresh, one table; and a
second run on the same database (the bench tops up the waiting leads it decided)."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
ROWS = [
    "CSV import, 1,000 rows: preview",
    "CSV import, 1,000 rows: apply",
    "API POST /leads/bulk, 1,000 declines",
    "Live refresh, nothing changed: p50",
    "Live refresh, nothing changed: p95",
]


@pytest.mark.timeout(240)
def test_triage_bench_runs_twice_on_one_database_and_prints_the_table():
    database = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leadhub"))
    name = f"{database.path.lstrip('/') or 'leadhub'}_triage_smoke"
    url = database._replace(path=f"/{name}").geturl()
    redis = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    command = [sys.executable, "bench/triage.py", "--leads", "600", "--partners", "2", "--requests", "30"]
    command += ["--database-url", url, "--redis-url", redis]
    try:
        for fresh in (["--fresh"], []):
            result = subprocess.run(command + fresh, cwd=ROOT, capture_output=True, text=True, timeout=110)
            assert result.returncode == 0, result.stderr[-3000:]
            lines = [line for line in result.stdout.splitlines() if line.startswith("| ")]
            assert lines[0].startswith("| measure | target | result (wall)")
            for row in ROWS:
                assert sum(line.startswith(f"| {row} |") for line in lines) == 1, f"missing: {row}\n{result.stdout}"
            # Whatever the timings on this machine, every item and row succeeded and the poll read no lead.
            assert "1,000 applied" in result.stdout and "1,000 of 1,000 ok" in result.stdout
            assert "| 1 queries |" in result.stdout
            assert all(line.split(" | ")[4] in ("ok", "MISSED", "") for line in lines[2:]), result.stdout
    finally:
        admin = database._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
