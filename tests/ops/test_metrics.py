"""/metrics: Prometheus text behind a bearer token, with requests per view, the lead pipeline and Celery outcomes
added up across processes."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from leads.models import Status
from leads.tasks import cool_hot_leads
from tests.factories import LeadFactory

TOKEN = "scrape-me-0123456789"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def metrics_token(settings):
    settings.LEADHUB_METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client) -> dict:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.django_db
def test_metrics_answer_404_when_no_token_is_configured(client, settings):
    settings.LEADHUB_METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", TOKEN])
def test_metrics_answer_404_to_a_missing_or_wrong_token(client, metrics_token, header):
    headers = {"Authorization": header} if header else {}
    assert client.get("/metrics", headers=headers).status_code == 404


@pytest.mark.django_db
def test_metrics_count_requests_latency_and_queries_per_view(client, metrics_token, partner_admin):
    before = scrape(client)
    client.force_login(partner_admin)
    assert client.get("/leads/marketplace/").status_code == 200
    client.get("/no-such-page/")

    after = scrape(client)
    labels = {"view": "leads:marketplace", "method": "GET", "status": "200"}
    assert (
        value(after, "leadhub_http_requests_total", **labels)
        == value(before, "leadhub_http_requests_total", **labels) + 1
    )
    assert (
        value(after, "leadhub_http_request_duration_seconds_count", view="leads:marketplace")
        == value(before, "leadhub_http_request_duration_seconds_count", view="leads:marketplace") + 1
    )
    assert value(after, "leadhub_db_queries_total", view="leads:marketplace") > value(
        before, "leadhub_db_queries_total", view="leads:marketplace"
    )
    unmatched = {"view": "unmatched", "method": "GET", "status": "404"}
    assert value(after, "leadhub_http_requests_total", **unmatched) >= 1


@pytest.mark.django_db
def test_metrics_show_leads_waiting_hot_and_overdue(client, metrics_token, org):
    LeadFactory(partner=org)
    LeadFactory(partner=org, contact_requested=True)
    LeadFactory(partner=org, received_at=timezone.now() - timedelta(days=20))
    LeadFactory(partner=org, status=Status.DECLINED)

    samples = scrape(client)
    assert value(samples, "leadhub_leads_waiting") == 3
    assert value(samples, "leadhub_leads_hot") == 1
    assert value(samples, "leadhub_leads_overdue") == 1
    assert ("leadhub_emails_pending", ()) in samples and ("leadhub_emails_failing", ()) in samples


@pytest.mark.django_db
def test_celery_task_outcomes_of_other_processes_add_up_in_one_scrape(client, metrics_token):
    task = {"task": "leads.tasks.cool_hot_leads", "outcome": "success"}
    before = value(scrape(client), "leadhub_celery_tasks_total", **task)
    cool_hot_leads.apply()  # here
    # ... and in another process, as a Celery worker would, writing to the same multiprocess directory.
    script = "import django; django.setup(); from leads.tasks import cool_hot_leads; cool_hot_leads.apply()"
    database = connection.settings_dict
    database_url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
        timeout=60,
    )

    assert value(scrape(client), "leadhub_celery_tasks_total", **task) == before + 2


@pytest.mark.django_db
def test_processes_of_other_containers_write_files_of_their_own_in_the_shared_directory(client, metrics_token):
    """Under docker compose web and workers share one PROMETHEUS_MULTIPROC_DIR volume, and every container numbers
    its processes from 1: a worker in another container (another $HOSTNAME) must not write this process's file,
    and its counts still add up in the scrape."""
    task = {"task": "leads.tasks.cool_hot_leads", "outcome": "success"}
    before = value(scrape(client), "leadhub_celery_tasks_total", **task)
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    script = "import django; django.setup(); from leads.tasks import cool_hot_leads; cool_hot_leads.apply()"
    database = connection.settings_dict
    database_url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    for container in ("worker-container-a", "worker-container-b"):
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": database_url, "HOSTNAME": container},
            check=True,
            timeout=60,
        )
        assert list(directory.glob(f"counter_{container}-*.db"))

    assert value(scrape(client), "leadhub_celery_tasks_total", **task) == before + 2
