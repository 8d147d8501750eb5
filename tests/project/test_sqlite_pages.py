"""`make run`'s database is SQLite: every page a demo user opens answers there too. The suite runs on PostgreSQL, so
hand-written SQL that only PostgreSQL reads right (a column's text where a datetime was meant, say) would
otherwise reach a new user first; this walks the demo on SQLite, in a process of its own."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WALK = """
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
call_command("insights_rebuild", verbosity=0)
from leads.models import Lead
client = Client()
assert client.login(username="contoso-admin", password="leadhub-demo")
lead = Lead.objects.filter(partner__slug="contoso").order_by("-received_at").first()
pages = ["/leads/marketplace/", "/leads/qualified/", "/leads/favorites/", "/leads/marketplace/?sort=time_left",
         "/leads/marketplace/?q=cloud", f"/leads/{lead.pk}/", "/insights/", "/profile/", "/profile/webhooks/",
         "/leads/import/", "/partners/", "/partners/contoso/", "/leads/marketplace/export.csv"]
bad = {page: client.get(page).status_code for page in pages}
polled = client.get("/leads/marketplace/live/", {"fp": "stale"}, HTTP_HX_REQUEST="true").status_code
bad = {page: status for page, status in {**bad, "live": polled}.items() if status not in (200, 204)}
assert not bad, bad
print("ok", len(pages) + 1)
"""


def test_the_demo_pages_answer_on_sqlite(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("CELERY_BROKER_URL", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="leadhub.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        CELERY_FILESYSTEM_DIR=str(tmp_path / "broker"),
        DEBUG="false",
        PYTHONPATH=str(ROOT),
    )
    (tmp_path / "broker" / "out").mkdir(parents=True)
    done = subprocess.run(
        [sys.executable, "-c", WALK], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("\nok 14")
