"""`make bench` end to end at a tiny size: seed, gunicorn, every measurement, and the one results table."""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROWS = [
    "Queries per list page, 25 rows: full / HTMX fragment",
    "Queries per list page, 100 rows: full / HTMX fragment",
    "Marketplace tab server time, typical partner",
    "Marketplace tab server time, largest partner",
    "Search of that tab for one customer's e-mail",
    "Logged-in tab at 16 connections / Fortunes reference",
    "Expiry of 400 overdue leads with history events",
    "Longest expiry batch transaction",
    "Capacity issue: logged-in tab / Fortunes reference",
    "Capacity issue: expiry rate",
    "Capacity issue: seed_bulk of 2,000 leads",
]


def _urls() -> tuple[str, str]:
    """A database of its own beside the suite's, and the Redis of the suite (its database 6, which only this uses)."""
    database = urlparse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leadhub"))
    broker = urlparse(os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"))
    name = f"{database.path.lstrip('/') or 'leadhub'}_bench_smoke"
    return database._replace(path=f"/{name}").geturl(), broker._replace(path="/6").geturl()


@pytest.mark.timeout(120)
def test_bench_runs_end_to_end_at_2000_leads_and_prints_the_table():
    database_url, broker_url = _urls()
    command = [
        sys.executable,
        "bench/run.py",
        "--leads",
        "2000",
        "--partners",
        "5",
        "--fresh",
        "--drop-after",
        "--database-url",
        database_url,
        "--broker-url",
        broker_url,
        "--port",
        "8161",
        "--workers",
        "2",
        "--requests",
        "20",
        "--duration",
        "1",
        "--backlog",
        "400",
        "--load",
        "wrk" if shutil.which("wrk") else "python",
        "--report-only",  # timings at this size say nothing; the exit status would follow them
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=110)

    assert result.returncode == 0, result.stderr[-3000:]
    table = result.stdout
    assert table.startswith("LeadHub bench: 2,000 leads, 5 partners")
    lines = [line for line in table.splitlines() if line.startswith("| ")]
    assert len(lines) == 1 + len(ROWS)
    for row in ROWS:
        assert sum(line.startswith(f"| {row}") for line in lines) == 1, f"missing row: {row}\n{table}"
    # Whatever the timings on this machine, the query counts and the expiry's bookkeeping are exact.
    assert "| ok" in lines[1] and "| ok" in lines[2], table
    assert "400 events" in table
    assert "| Capacity issue: seed_bulk of 2,000 leads (when the bench database was seeded) | ≤90 s " in table
