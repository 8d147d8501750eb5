"""Production settings pass Django's deployment checklist, and the demo data command is repeatable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from leads.models import Lead, Status
from profiles.models import Membership, Organisation

ROOT = Path(__file__).resolve().parents[2]


def production_environment(**overrides) -> dict:
    """This process's environment less what the browser tests set for themselves, plus production's variables."""
    inherited = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return (
        inherited
        | {
            "DJANGO_SETTINGS_MODULE": "leadhub.settings.production",
            "CACHE_URL": "redis://127.0.0.1:6379/1",
            "LEADHUB_WEBHOOKS_KEY": "tSxPXcZ1wQvY0bH8l3k9R2uJ5mN7aE4fG6iK8oL0pQs=",
        }
        | overrides
    )


def test_check_deploy_is_clean_with_production_settings():
    env = production_environment(
        **{
            "SECRET_KEY": "x7#k2!pQ9v$Lr4@Wm8&Zt1^Yc6*Hn3%Bd5(Fg0)Js-Ua_Ie+Ox=Eq",
            "ALLOWED_HOSTS": "leadhub.example",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/leadhub",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_make_check_runs_the_checklist_as_the_readme_says():
    """`make check` (README) sets every variable production insists on; it had stopped at the webhooks' key."""
    bin_dir = Path(sys.executable).parent
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "LEADHUB_"))}
    result = subprocess.run(
        ["make", "--no-print-directory", f"BIN={bin_dir}", "-o", f"{bin_dir}/.installed", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_keep_database_connections_open():
    env = production_environment(
        SECRET_KEY="s" * 50, ALLOWED_HOSTS="leadhub.example", DATABASE_URL="postgres://postgres@127.0.0.1/leadhub"
    )
    code = "import django; django.setup(); from django.conf import settings; print(settings.DATABASES['default']['CONN_MAX_AGE'])"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert int(result.stdout.strip()) >= 60, result.stderr


@pytest.mark.parametrize("cache_url", ["locmemcache://", "dummycache://", None])
def test_production_settings_refuse_a_cache_each_process_keeps_to_itself(cache_url):
    """Sessions are read from the cache: a per-process copy would outlive a logout in another worker."""
    env = production_environment(
        SECRET_KEY="s" * 50,
        ALLOWED_HOSTS="leadhub.example",
        DATABASE_URL="postgres://postgres@127.0.0.1/leadhub",
        CACHE_URL=cache_url or "",
    )
    if cache_url is None:
        del env["CACHE_URL"]
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "CACHE_URL" in result.stderr


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_its_logins_work(settings, capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    counts = (Organisation.objects.count(), Membership.objects.count(), Lead.objects.count())
    call_command("seed_demo")
    assert (Organisation.objects.count(), Membership.objects.count(), Lead.objects.count()) == counts
    assert set(Organisation.objects.values_list("slug", flat=True)) == {"contoso", "fabrikam"}
    for username in ["contoso-admin", "contoso-referrals", "fabrikam-admin", "fabrikam-referrals", "ops"]:
        assert username in first
        assert authenticate(username=username, password=settings.LEADHUB_DEMO_PASSWORD) is not None
    for org in Organisation.objects.all():
        assert set(org.leads.values_list("status", flat=True)) == set(Status.values)
