"""Accounts: login rate limiting, session rotation, idle timeout, deactivated users, and security headers."""

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from common.login_limits import address_key, username_key
from leadhub.celery import clear_expired_sessions
from leadhub.middleware import LAST_SEEN

LOGIN = "/accounts/login/"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture
def fresh_address(request):
    """Each test logs in from its own address, so failure counters never leak between tests."""
    address = f"10.{len(request.node.name) % 250}.{int(time.time() * 1000) % 250}.{id(request) % 250}"
    yield address
    cache.delete(address_key(address))


@pytest.mark.django_db
def test_too_many_failed_logins_lock_the_account_with_a_clear_message(client, partner_admin, fresh_address, settings):
    cache.delete(username_key("contoso-admin"))
    for _ in range(settings.LEADHUB_LOGIN_MAX_FAILURES):
        response = client.post(LOGIN, {"username": "contoso-admin", "password": "wrong"}, REMOTE_ADDR=fresh_address)
        assert response.status_code == 200
    locked = client.post(
        LOGIN, {"username": "contoso-admin", "password": "correct-horse-battery"}, REMOTE_ADDR=fresh_address
    )
    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    cache.delete(username_key("contoso-admin"))


@pytest.mark.django_db
def test_behind_a_proxy_one_office_s_failures_do_not_lock_out_another(client, partner_admin, fresh_address, settings):
    """All requests come from the proxy's address; the client is the address the proxy appended."""
    settings.LEADHUB_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": fresh_address}
    attacker, colleague = "198.51.100.7", "203.0.113.9"
    for index in range(settings.LEADHUB_LOGIN_MAX_FAILURES * 4):  # the per-address limit, usernames never used
        response = client.post(
            LOGIN,
            {"username": f"nobody-{fresh_address}-{index}", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"{colleague}, {attacker}",
            **proxy,
        )  # spoofs the colleague
        assert response.status_code == 200
    assert (
        client.post(
            LOGIN, {"username": f"nobody-{fresh_address}", "password": "wrong"}, HTTP_X_FORWARDED_FOR=attacker, **proxy
        ).status_code
        == 429
    )
    response = client.post(
        LOGIN,
        {"username": "contoso-admin", "password": "correct-horse-battery"},
        HTTP_X_FORWARDED_FOR=colleague,
        **proxy,
    )
    assert response.status_code == 302
    for address in (attacker, colleague):
        cache.delete(address_key(address))


@pytest.mark.django_db
def test_without_trusted_proxies_a_forwarded_for_header_changes_nothing(client, partner_admin, fresh_address, settings):
    settings.LEADHUB_TRUSTED_PROXIES = 0
    for index in range(settings.LEADHUB_LOGIN_MAX_FAILURES * 4):
        client.post(
            LOGIN,
            {"username": f"nobody-{fresh_address}-{index}", "password": "wrong"},
            REMOTE_ADDR=fresh_address,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{index}",
        )  # made up, new each time
    response = client.post(
        LOGIN,
        {"username": "contoso-admin", "password": "correct-horse-battery"},
        REMOTE_ADDR=fresh_address,
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert response.status_code == 429


@pytest.mark.django_db
def test_login_rotates_the_session_and_resets_failures(client, partner_admin, fresh_address):
    cache.delete(username_key("contoso-admin"))
    client.post(LOGIN, {"username": "contoso-admin", "password": "wrong"}, REMOTE_ADDR=fresh_address)
    client.get(LOGIN)
    before = client.session.session_key
    response = client.post(
        LOGIN, {"username": "contoso-admin", "password": "correct-horse-battery"}, REMOTE_ADDR=fresh_address
    )
    assert response.status_code == 302
    assert client.session.session_key != before
    assert cache.get(username_key("contoso-admin")) is None


@pytest.mark.django_db
def test_an_idle_session_ends(client, partner_admin, settings):
    client.force_login(partner_admin)
    assert client.get(reverse("leads:marketplace")).status_code == 200
    session = client.session
    session[LAST_SEEN] = int(time.time()) - settings.LEADHUB_SESSION_IDLE_MINUTES * 60 - 5
    session.save()
    response = client.get(reverse("leads:marketplace"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_a_deactivated_user_s_session_ends(client, partner_admin):
    client.force_login(partner_admin)
    assert client.get(reverse("leads:marketplace")).status_code == 200
    partner_admin.is_active = False
    partner_admin.save()
    response = client.get(reverse("leads:marketplace"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy_and_security_headers(client, partner_admin):
    client.force_login(partner_admin)
    for url in [LOGIN, reverse("leads:marketplace"), "/partners/"]:
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_templates_hold_no_inline_script_style_or_handlers():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        if "emails" in template.parts:
            continue  # e-mails are not served under the CSP
        text = template.read_text()
        for pattern in [
            r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
            r"\sstyle=\"",
            r"\son[a-z]+=\"",
            r"<style[\s>]",
            r"javascript:",
        ]:
            if re.search(pattern, text):
                offenders.append(f"{template.relative_to(TEMPLATES)}: {pattern}")
    assert offenders == []


@pytest.mark.django_db
def test_htmx_is_configured_for_the_policy(client, partner_admin):
    client.force_login(partner_admin)
    page = client.get(reverse("leads:marketplace")).content.decode()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page)
    assert config, "htmx-config meta missing"
    assert '"allowEval":false' in config.group(1).replace(" ", "")
    assert '"includeIndicatorStyles":false' in config.group(1).replace(" ", "")
    assert '"historyCacheSize":0' in config.group(1).replace(" ", "")


@pytest.mark.django_db
def test_the_nightly_job_deletes_expired_sessions_and_keeps_live_ones(client, partner_admin):
    client.force_login(partner_admin)
    live = client.session.session_key
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(seconds=1))

    clear_expired_sessions.apply()

    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert client.get(reverse("leads:marketplace")).status_code == 200
