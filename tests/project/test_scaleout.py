"""The scale-out test's short form: two gunicorn groups behind HAProxy, two workers and one beat; group b and worker 2
are killed (SIGKILL) under load and b comes back. Only requests in flight on b fail, sessions and the inquiry rate
limit hold across both groups, each periodic job runs once per interval, no e-mail goes twice, nothing is lost
(`make scaleout` is the long form)."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from tests.project.test_load import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_killing_a_web_group_and_a_worker_under_load_loses_nothing(tmp_path):
    database = (urlsplit(os.environ.get("DATABASE_URL", "")).path.lstrip("/") or "leadhub") + "_scaleout"
    redis = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    out = tmp_path / "scaleout.json"
    ports = ",".join(str(free_port()) for _ in range(3))
    run = subprocess.run(
        [sys.executable, "-m", "loadtest.scaleout", "--users", "12", "--seconds", "30", "--think-scale", "0.2"]
        + ["--history", "500", "--job-interval", "5", "--database", database, "--redis", redis, "--ports", ports]
        + ["--smtp-port", str(free_port()), "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    result = json.loads(out.read_text())
    assert all(result["checks"].values()), result
    assert result["requests"] > 100 and result["errors"] == result["in_window"], result
    assert result["sessions"]["served_by"].keys() == {"a", "b"}, result["sessions"]
    assert result["rate"]["accepted"] == result["rate"]["limit"] and result["rate"]["refused_429"] > 0, result["rate"]
    assert result["jobs"]["expire_overdue_leads"]["ran"] >= 3 and result["data"]["emails_received"] > 0, result
