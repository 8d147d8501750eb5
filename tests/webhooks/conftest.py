"""Webhook test helpers: a real HTTP receiver on 127.0.0.1 and a real Celery worker on Redis."""

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from leadhub.celery import app as celery_app
from tests.api.conftest import anonymous_api, api_as  # noqa: F401 (the API client fixtures)
from webhooks import services

WORKER_TIMEOUT_SECONDS = 45


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next scripted reply (status, seconds to wait first, headers), then `default`."""

    port: int = 0
    default: int = 200
    script: list = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def reply(self):
        with self.lock:
            reply = self.script.pop(0) if self.script else self.default
        return reply if isinstance(reply, tuple) else (reply, 0, {})

    def wait_for(self, count: int, *, timeout: float = WORKER_TIMEOUT_SECONDS, worker=None) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if worker is not None:
                worker.check()
            assert time.monotonic() < deadline, f"{len(self.received)} of {count} requests within {timeout} s" + (
                f"\n{worker.log()}" if worker is not None else ""
            )
            time.sleep(0.05)
        return list(self.received)


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with state.lock:
                state.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            status, wait, headers = state.reply()
            time.sleep(wait)
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the sender gave up waiting

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def worker_database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, process, log_path):
        self.process, self.log_path = process, log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def check(self) -> None:
        assert self.process.poll() is None, f"the worker died:\n{self.log()}"


@pytest.fixture(scope="module")
def worker(django_db_setup, tmp_path_factory):
    """A plain `celery -A leadhub worker` (every declared queue), with a 1 s timeout and 1 s back-off."""
    folder = tmp_path_factory.mktemp("worker")
    log_path = folder / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "leadhub.settings.test",
        "DATABASE_URL": worker_database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "LEADHUB_TEST_EMAIL_DIR": str(folder / "mail"),
        "LEADHUB_WEBHOOKS_TIMEOUT_SECONDS": "1",
        "LEADHUB_WEBHOOKS_RETRY_DELAYS": "1,1,1",
    }
    celery_app.control.purge()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "leadhub",
                "worker",
                "--pool",
                "threads",
                "--concurrency",
                "4",
                "--loglevel",
                "INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"webhooks-test-{os.getpid()}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    worker = Worker(process, log_path)
    worker.mail_dir = folder / "mail"
    deadline = time.monotonic() + WORKER_TIMEOUT_SECONDS
    while b"ready." not in log_path.read_bytes():
        worker.check()
        assert time.monotonic() < deadline, worker.log()
        time.sleep(0.1)
    yield worker
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def endpoint_for(partner_admin):
    """endpoint_for(url, events=()) → (endpoint, secret), registered through the service as the partner admin."""

    def make(url, events=(), by=None):
        return services.endpoint_create(by=by or partner_admin, url=url, events=list(events))

    return make
