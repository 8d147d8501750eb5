"""The load test's short form: a few people for seconds through gunicorn, a Celery worker and beat, with e-mail to
a real SMTP server; no server error and the data right afterwards (`make loadtest` is the long form)."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_short_load_answers_no_5xx_and_leaves_the_data_right(tmp_path):
    database = (urlsplit(os.environ.get("DATABASE_URL", "")).path.lstrip("/") or "leadhub") + "_loadtest"
    redis = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    out = tmp_path / "load.json"
    run = subprocess.run(
        [sys.executable, "-m", "loadtest.capacity", "--steps", "12", "--seconds", "15", "--history", "500"]
        + ["--leads-per-org", "40", "--think-scale", "0.1", "--database", database, "--redis", redis]
        + ["--port", str(free_port()), "--smtp-port", str(free_port()), "--web-workers", "2", "--all-steps"]
        + ["--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads(out.read_text())
    (step,) = result["steps"]
    kinds = step["kinds"]
    assert step["errors"] == 0, kinds
    checks = result["checks"]
    assert checks["decided_twice"] == 0 and checks["status_not_history"] == 0, checks
    # People decided leads, customers' inquiries became leads whose alerts went out once each, and colleagues
    # racing for the same newest leads met a conflict.
    assert kinds["accept"]["statuses"].get("302", 0) + kinds["decline"]["statuses"].get("302", 0) > 0, kinds
    assert kinds["inquiry"]["statuses"].get("302", 0) > 0, kinds
    assert checks["emails_received"] > 0 and checks["emails_received"] == checks["emails_recorded"], checks
    assert checks["emails_twice"] == 0 and checks["emails_lost"] == 0 and checks["emails_owed"] == 0, checks
    assert sum(kind["statuses"].get("409", 0) for kind in kinds.values()) > 0, kinds
    assert step["cpu"]["gunicorn"] > 0 and step["cpu"]["locust"] > 0
