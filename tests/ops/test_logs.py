"""Logs: one JSON object a line with LOG_FORMAT=json, each carrying the request id, which the Celery tasks a
request queued carry too; plain text by default."""

import json
import os
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from leadhub.celery import app as celery_app
from leads.models import EmailDelivery, Status
from tests.factories import CustomerFactory, LeadFactory

WORKER_TIMEOUT_SECONDS = 40


def _test_database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _log_a_line(log_format: str) -> str:
    script = (
        "import django, logging; django.setup(); from leadhub.ops import request_id; "
        "request_id._current.set('abc-1'); logging.getLogger('leadhub.check').warning('hello %s', 'there')"
    )
    env = {**os.environ, "LOG_FORMAT": log_format, "DJANGO_SETTINGS_MODULE": "leadhub.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stderr.strip().splitlines()[-1]


def test_json_log_format_writes_one_json_object_a_line_with_the_request_id():
    line = json.loads(_log_a_line("json"))
    assert line["message"] == "hello there" and line["level"] == "WARNING" and line["logger"] == "leadhub.check"
    assert line["request_id"] == "abc-1" and "time" in line


def test_plain_log_format_is_text_with_the_request_id():
    line = _log_a_line("plain")
    assert "WARNING leadhub.check [abc-1] hello there" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


@pytest.mark.django_db
def test_a_request_keeps_the_callers_request_id_or_gets_a_new_one(client):
    assert client.get("/healthz", headers={"X-Request-ID": "lb-42.a"})["X-Request-ID"] == "lb-42.a"
    generated = client.get("/healthz")["X-Request-ID"]
    assert len(generated) == 32
    forged = client.get("/healthz", headers={"X-Request-ID": "x\nERROR forged line"})["X-Request-ID"]
    assert "\n" not in forged and forged != "x\nERROR forged line"


@pytest.mark.timeout(90)
@pytest.mark.django_db(transaction=True)
def test_the_task_a_request_queued_logs_with_that_requests_id_in_the_worker(client, org, partner_admin, tmp_path):
    lead = LeadFactory(partner=org, customer=CustomerFactory(email="buyer@example.com"))
    log_path = tmp_path / "worker.log"
    celery_app.control.purge()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "leadhub.settings.test",
        "LOG_FORMAT": "json",
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "LEADHUB_TEST_EMAIL_DIR": str(tmp_path / "mail"),
    }
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "leadhub",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"logs-test-{os.getpid()}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        client.force_login(partner_admin)
        response = client.post(
            f"/leads/{lead.pk}/decline/",
            {"reason": "not_a_fit", "confirmed": "1"},
            headers={"X-Request-ID": "decline-req-77"},
        )
        assert response.status_code in (200, 302)
        assert lead.__class__.objects.get(pk=lead.pk).status == Status.DECLINED
        deadline = time.monotonic() + WORKER_TIMEOUT_SECONDS
        while not EmailDelivery.objects.filter(lead=lead, kind="decline").exists():
            assert worker.poll() is None, f"the worker died:\n{log_path.read_text()}"
            assert time.monotonic() < deadline, f"no e-mail within {WORKER_TIMEOUT_SECONDS} s:\n{log_path.read_text()}"
            time.sleep(0.25)
        time.sleep(0.5)  # the log line follows the delivery's commit
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()

    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    sent = [line for line in lines if line["message"].startswith("Sent the decline e-mail")]
    assert sent and all(line["request_id"] == "decline-req-77" for line in sent), log_path.read_text()
