"""Checks before the suite runs: the tests need real PostgreSQL and Redis, and say so clearly when either is down."""

import os
import socket
from urllib.parse import urlparse

import pytest

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/leadhub"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"


def _answers(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def pytest_sessionstart(session):
    if hasattr(session.config, "workerinput"):
        return
    problems = []
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    broker_url = os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER_URL)
    if not _answers(database_url, 5432):
        problems.append(
            f"PostgreSQL does not answer at {urlparse(database_url).netloc}. Start it "
            "(pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set DATABASE_URL."
        )
    if not _answers(broker_url, 6379):
        problems.append(
            f"Redis does not answer at {urlparse(broker_url).netloc}. Start it "
            "(redis-server --daemonize yes --bind 127.0.0.1 --port 6379) or set CELERY_BROKER_URL."
        )
    if problems:
        pytest.exit("The tests run against real services:\n  " + "\n  ".join(problems), returncode=2)
