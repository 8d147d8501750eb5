"""Shared fixtures: two partner organisations with both roles, vendor ops staff, leads, and real Chromium."""

import os
from pathlib import Path

import pytest

from profiles.models import Role
from tests.factories import LeadFactory, MembershipFactory, OpsUserFactory, OrganisationFactory, UserFactory

# Playwright's sync API leaves an event loop running in this thread for the rest of the session, and Django
# refuses ORM calls beside a running loop. Browser tests set up data through the ORM, and every test after the
# first browser test runs beside that loop, so the whole test process allows it (never a deployed one:
# tests/project/test_deploy.py runs `check --deploy` without it).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # A missing or broken Chromium makes the launch raise, so browser tests fail (never skip) without a browser.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session", autouse=True)
def fresh_test_cache():
    """Every run starts with none of an earlier run's keys in the test cache (Redis outlives a run).

    Rate-limit and login-failure counters last an hour; a run repeated within the hour, on the same Redis,
    would otherwise find an address it chose at random already over its limit. Only the test prefix is
    removed, never anything else in the database (the Celery broker shares it).
    """
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)
    stale = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
    if stale:
        client.delete(*stale)


@pytest.fixture(scope="session")
def base_url():
    """Browser tests open the live server's full addresses. This replaces pytest-playwright's fallback fixture,
    which pytest 9 warns about (it is defined on a class instance)."""
    return None


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where browser tests leave screenshots for a person to look at (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def org(db):
    return OrganisationFactory(name="Contoso Consulting", slug="contoso")


@pytest.fixture
def other_org(db):
    return OrganisationFactory(name="Fabrikam Data", slug="fabrikam")


@pytest.fixture
def partner_admin(org):
    return MembershipFactory(user=UserFactory(username="contoso-admin"), organisation=org, role=Role.PARTNER_ADMIN).user


@pytest.fixture
def referrals_admin(org):
    return MembershipFactory(
        user=UserFactory(username="contoso-referrals"), organisation=org, role=Role.REFERRALS_ADMIN
    ).user


@pytest.fixture
def other_admin(other_org):
    return MembershipFactory(
        user=UserFactory(username="fabrikam-admin"), organisation=other_org, role=Role.PARTNER_ADMIN
    ).user


@pytest.fixture
def ops_user(db):
    return OpsUserFactory(username="ops")


@pytest.fixture
def outsider(db):
    """Logged in, but neither staff nor a member of any organisation."""
    return UserFactory(username="outsider")


@pytest.fixture
def lead(org):
    return LeadFactory(partner=org)
