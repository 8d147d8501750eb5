"""/healthz: what a load balancer or docker compose asks before sending traffic to the app."""

import time

import pytest

from leadhub.celery import app as celery_app

CLOSED_PORT = 8149  # inside this suite's reserved range, and nothing listens on it


@pytest.mark.django_db
def test_healthz_answers_200_when_database_and_broker_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_503_quickly_naming_the_broker_when_it_is_down(client, monkeypatch):
    closed = f"redis://127.0.0.1:{CLOSED_PORT}/4"
    monkeypatch.setattr(celery_app.conf, "broker_url", closed)
    monkeypatch.setenv("CELERY_BROKER_URL", closed)  # Celery reads the variable before its configuration
    started = time.monotonic()

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["broker"].startswith("error: ")
    assert time.monotonic() - started < 3
