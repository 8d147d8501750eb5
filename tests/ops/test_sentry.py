"""Errors go to Sentry (with the Django and Celery integrations) when SENTRY_DSN is set, and nowhere otherwise."""

import gzip
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

from django.conf import settings

SCRIPT = """
import django, sentry_sdk
django.setup()
client = sentry_sdk.get_client()
print("active", client.is_active(), sorted(client.integrations) if client.is_active() else [])
if client.is_active():
    try:
        1 / 0
    except ZeroDivisionError:
        sentry_sdk.capture_exception()
    sentry_sdk.flush(timeout=10)
"""


class Ingest(BaseHTTPRequestHandler):
    """Stands in for Sentry's ingest endpoint on 127.0.0.1; remembers what it was sent."""

    received: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        elif self.headers.get("Content-Encoding") == "br":
            import brotli

            body = brotli.decompress(body)
        Ingest.received.append((self.path, body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def _run(dsn: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "leadhub.settings.test", "SENTRY_DSN": dsn}
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout


def test_errors_reach_sentry_with_the_django_and_celery_integrations_when_a_dsn_is_set():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Ingest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Ingest.received = []
    try:
        output = _run(f"http://publickey@127.0.0.1:{server.server_port}/42")
    finally:
        server.shutdown()
    assert "active True" in output and "'celery'" in output and "'django'" in output
    assert any(path == "/api/42/envelope/" and b"ZeroDivisionError" in body for path, body in Ingest.received)


def test_nothing_goes_to_sentry_without_a_dsn():
    assert "active False" in _run("")
