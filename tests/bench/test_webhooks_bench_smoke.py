"""`make bench-webhooks` end to end at a tiny size: its own database, real workers and receivers, the one table."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROWS = [
    "deliveries/s to a fast receiver",
    "  worker CPU per delivery",
    "  sending alone, one thread without Celery",
    "  PostgreSQL CPU per delivery",
    "  Redis CPU per delivery",
    "  bench process CPU per delivery",
    "  deliveries the receiver got twice",
    "new-lead e-mail delay, 20 × 1 s deliveries queued, one plain",
    "new-lead e-mail delay, 20 × 1 s deliveries queued, compose's workers",
]


@pytest.mark.timeout(240)
def test_the_webhooks_bench_runs_end_to_end_and_prints_the_table():
    database = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leadhub"))
    name = f"{database.path.lstrip('/') or 'leadhub'}_webhooks_bench_smoke"
    command = [
        sys.executable,
        "bench/webhooks.py",
        "--deliveries",
        "100",
        "--backlog",
        "20",
        "--database-url",
        database._replace(path=f"/{name}").geturl(),
        "--broker-url",
        os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=230)

    # A missed target exits 1 (timings depend on the machine); anything else is a failure of the bench itself.
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr[-3000:]
    table = result.stdout
    lines = [line for line in table.splitlines() if line.startswith("| ")]
    assert lines[0] == "| measure | target | result | verdict |", table
    for row in ROWS:
        assert sum(line.startswith(f"| {row}") for line in lines) == 1, f"missing row: {row}\n{table}"
    # Whatever the timings, every delivery reached the receiver exactly once.
    assert any(line.startswith("|   deliveries the receiver got twice | 0 | 0 | ok") for line in lines), table
