"""Celery end to end: a real worker takes the expiry job from Redis, expires leads and mails the referrers."""

import os
import smtplib
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.mail.backends import filebased
from django.db import connection
from django.utils import timezone

from leadhub.celery import app as celery_app
from leads.models import EmailDelivery, Lead, Status
from leads.tasks import expire_overdue_leads
from tests.factories import LeadFactory

WORKER_TIMEOUT_SECONDS = 45


class MailServerDownAtFirst(filebased.EmailBackend):
    """The worker's mail server (a test double): refuses the first message to each address, then takes messages
    and writes them to files; a marker file remembers the refusal across the worker's task runs."""

    def send_messages(self, messages):
        refused = Path(self.file_path) / f".refused-{messages[0].to[0]}"
        if not refused.exists():
            refused.touch()
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


def test_beat_runs_the_jobs_every_interval_and_the_email_catch_up_hourly():
    every = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert every == {
        "leads.tasks.expire_overdue_leads": settings.LEADHUB_JOB_INTERVAL_SECONDS,
        "leads.tasks.cool_hot_leads": settings.LEADHUB_JOB_INTERVAL_SECONDS,
        "leads.tasks.resend_missed_emails": 3600,
        "leads.tasks.refresh_response_times": 24 * 3600,
        "leadhub.clear_expired_sessions": 24 * 3600,
        "leads.tasks.rebuild_routing_statistics": 24 * 3600,
        "privacy.tasks.anonymise_old_leads": 24 * 3600,
        "insights.tasks.rebuild_insights_rollups": 24 * 3600,
        "webhooks.tasks.send_due_webhooks": 60,
    }
    assert all(task in celery_app.tasks for task in every)  # a misspelt name would never run, silently


def _test_database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.timeout(90)
@pytest.mark.django_db(transaction=True)
def test_worker_takes_the_expiry_job_from_redis_expires_leads_and_mails_referrers_retrying_a_failing_server(
    org, tmp_path
):
    overdue = [
        LeadFactory(
            partner=org, received_at=timezone.now() - timedelta(days=15), referred_by_email=f"seller{n}@vendor.example"
        )
        for n in range(3)
    ]
    fresh = LeadFactory(partner=org, referred_by_email="fresh@vendor.example")
    mail_dir = tmp_path / "mail"
    log_path = tmp_path / "worker.log"
    celery_app.control.purge()  # left-overs of earlier tests in this Redis database are not this test's business
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "leadhub.settings.test",
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "LEADHUB_TEST_EMAIL_DIR": str(mail_dir),
        "LEADHUB_TEST_EMAIL_BACKEND": f"{__name__}.MailServerDownAtFirst",
        "LEADHUB_EMAIL_RETRY_BACKOFF_SECONDS": "1",
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
                f"jobs-test-{os.getpid()}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        expire_overdue_leads.delay()
        deadline = time.monotonic() + WORKER_TIMEOUT_SECONDS
        while EmailDelivery.objects.filter(kind="expire").count() < len(overdue):
            assert worker.poll() is None, f"the worker died:\n{log_path.read_text()}"
            assert time.monotonic() < deadline, f"no e-mails within {WORKER_TIMEOUT_SECONDS} s:\n{log_path.read_text()}"
            time.sleep(0.25)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()

    assert set(Lead.objects.filter(pk__in=[lead.pk for lead in overdue]).values_list("status", flat=True)) == {
        Status.EXPIRED
    }
    assert Lead.objects.get(pk=fresh.pk).status == Status.RECEIVED
    sent = "".join(path.read_text() for path in mail_dir.iterdir() if not path.name.startswith("."))
    for n in range(3):
        assert (mail_dir / f".refused-seller{n}@vendor.example").exists()  # the first try failed ...
        assert sent.count(f"To: seller{n}@vendor.example") == 1  # ... the retry went through the broker, once
    assert sent.count("Subject: Lead expired unanswered") == 3
    assert "fresh@vendor.example" not in sent
    assert "Retry in 1s: SMTPServerDisconnected" in log_path.read_text()
