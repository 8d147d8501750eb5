"""Production requires its own key for webhook secrets and never allows private addresses."""

import subprocess
import sys

from tests.project.test_deploy import ROOT, production_environment

BASE = {"SECRET_KEY": "s" * 50, "ALLOWED_HOSTS": "leadhub.example", "DATABASE_URL": "postgres://postgres@127.0.0.1/x"}
PRINT = (
    "import django; django.setup(); from django.conf import settings; print(settings.LEADHUB_WEBHOOKS_ALLOW_PRIVATE)"
)


def run(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", PRINT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_production_refuses_to_start_without_a_webhooks_key():
    env = production_environment(**BASE)
    del env["LEADHUB_WEBHOOKS_KEY"]
    result = run(env)
    assert result.returncode != 0 and "LEADHUB_WEBHOOKS_KEY" in result.stderr


def test_production_never_allows_private_addresses():
    result = run(production_environment(**BASE, LEADHUB_WEBHOOKS_ALLOW_PRIVATE="true"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
