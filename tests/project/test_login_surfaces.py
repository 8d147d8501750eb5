"""Every view that checks a password is behind the one login limiter: found by walking the URLconf, not by a list.

Each URL pattern is turned into a concrete URL and posted a username and a wrong password, as a form and as JSON;
a view that checked the password (Django's `user_login_failed`, or any `check_password` call) is a login surface,
and each of them must then lock that username after LEADHUB_LOGIN_MAX_FAILURES failures, with a 429 and the same
message, even for the right password. A new login view that skips the limiter fails here.
"""

import itertools
import json
import re
import uuid

import pytest
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils.regex_helper import normalize

from common.login_limits import address_key, login_name, username_key
from tests.factories import LeadFactory, OpsUserFactory

PASSWORD = "correct-horse-battery"
LOCKED = "Too many failed log-in attempts"
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_addresses = itertools.count(1)


def fresh_address() -> str:
    return f"198.18.{next(_addresses) % 250}.{uuid.uuid4().int % 250}"


def walk(resolver=None, prefix=()):
    """(the patterns from the root, the URLPattern) for every view in the URLconf, includes followed."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry, (*prefix, entry.pattern))
        else:
            assert isinstance(entry, URLPattern)
            yield (*prefix, entry.pattern), entry


def _candidates(part, samples: list[str]) -> list[str]:
    """Concrete texts for one pattern part: route parameters and regex groups filled with each sample in turn."""
    if hasattr(part, "_route"):
        return [ROUTE_PARAMETER.sub(lambda _m, value=sample: value, part._route) for sample in samples]
    texts = []
    for form, params in normalize(part.regex.pattern):
        texts += [form % dict.fromkeys(params, sample) for sample in samples]
    return texts or [""]


def concrete_url(parts, pattern: URLPattern, samples: list[str]) -> str | None:
    """A URL that resolves to `pattern`, trying each sample value in its parameters; None if none does.

    Two patterns of one route (ninja names each method's operation on one path) are one view: the first answers.
    """
    route = "".join(str(part) for part in parts)
    for choice in itertools.product(*(_candidates(part, samples) for part in parts)):
        url = "/" + "".join(choice)
        try:
            match = resolve(url)
        except Resolver404:
            continue
        if match.func == pattern.callback or match.route == route:
            return url
    return None


@pytest.fixture
def staff(db):
    cache.delete(username_key("walk-staff"))
    return OpsUserFactory(username="walk-staff")


@pytest.fixture
def password_checks(monkeypatch):
    """How many times a password was checked, by any means, while the test runs."""
    seen = {"count": 0}
    check = AbstractBaseUser.check_password

    def counting(self, raw_password):
        seen["count"] += 1
        return check(self, raw_password)

    def failed(**kwargs):
        seen["count"] += 1

    monkeypatch.setattr(AbstractBaseUser, "check_password", counting)
    user_login_failed.connect(failed, dispatch_uid="test-login-surfaces")
    yield seen
    user_login_failed.disconnect(dispatch_uid="test-login-surfaces")


def login_surfaces(staff, org, password_checks) -> list[str]:
    samples = [str(LeadFactory(partner=org).pk), org.slug, "auth", "1", "x"]
    urls, unreachable = [], []
    for parts, pattern in walk():
        url = concrete_url(parts, pattern, samples)
        (urls if url else unreachable).append(url or "".join(str(part) for part in parts))
    assert unreachable == [], "every view must be reachable by the walk, or a login view could hide among these"
    surfaces = []
    for url in urls:
        before = password_checks["count"]
        address = fresh_address()
        client = Client()
        client.post(url, {"username": staff.username, "password": "wrong"}, REMOTE_ADDR=address)
        client.post(
            url,
            json.dumps({"username": staff.username, "password": "wrong"}),
            content_type="application/json",
            REMOTE_ADDR=address,
        )
        cache.delete_many([username_key(staff.username), address_key(address)])
        if password_checks["count"] > before:
            surfaces.append(url)
    return surfaces


@pytest.mark.django_db
def test_every_view_that_checks_a_password_locks_the_username_with_a_429(staff, org, password_checks, settings):
    surfaces = login_surfaces(staff, org, password_checks)
    # The walk must find the two login forms there are: if it stops finding them, it would find no new one either.
    assert {"/accounts/login/", "/admin/login/"} <= set(surfaces), surfaces
    for url in surfaces:
        client = Client()
        address = fresh_address()
        for attempt in range(settings.LEADHUB_LOGIN_MAX_FAILURES):
            response = client.post(
                url, {"username": staff.username, "password": f"wrong-{attempt}"}, REMOTE_ADDR=address
            )
            assert response.status_code != 429, (url, attempt)
        locked = client.post(url, {"username": staff.username, "password": PASSWORD}, REMOTE_ADDR=fresh_address())
        assert locked.status_code == 429, url
        assert LOCKED in locked.content.decode(), url
        assert "_auth_user_id" not in client.session, url
        cache.delete_many([username_key(staff.username), address_key(address)])


@pytest.mark.django_db
def test_every_login_view_locks_an_address_after_four_times_the_username_limit(staff, org, password_checks, settings):
    for url in login_surfaces(staff, org, password_checks):
        client, address = Client(), fresh_address()
        for attempt in range(settings.LEADHUB_LOGIN_MAX_FAILURES * 4):  # each a different, unknown username
            assert (
                client.post(
                    url, {"username": f"nobody-{attempt}", "password": "wrong"}, REMOTE_ADDR=address
                ).status_code
                != 429
            ), (url, attempt)
        locked = client.post(url, {"username": staff.username, "password": PASSWORD}, REMOTE_ADDR=address)
        assert locked.status_code == 429 and LOCKED in locked.content.decode(), url
        assert "_auth_user_id" not in client.session, url
        cache.delete(address_key(address))


@pytest.mark.django_db
def test_twelve_wrong_admin_passwords_then_the_right_one_does_not_log_in(client, staff):
    """The probe's finding: /admin/login/ counted nothing, so the thirteenth try with the right password got in."""
    address = fresh_address()
    for attempt in range(12):
        client.post("/admin/login/", {"username": staff.username, "password": f"guess-{attempt}"}, REMOTE_ADDR=address)
    response = client.post("/admin/login/", {"username": staff.username, "password": PASSWORD}, REMOTE_ADDR=address)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert client.get("/admin/").status_code == 302  # still sent to the login page
    cache.delete(address_key(address))


@pytest.mark.django_db
def test_failures_on_one_login_form_count_on_every_other(client, staff, settings):
    address = fresh_address()
    half = settings.LEADHUB_LOGIN_MAX_FAILURES // 2
    for attempt in range(settings.LEADHUB_LOGIN_MAX_FAILURES):
        url = "/accounts/login/" if attempt < half else "/admin/login/"
        client.post(url, {"username": staff.username, "password": "wrong"}, REMOTE_ADDR=address)
    for url in ("/accounts/login/", "/admin/login/"):
        response = client.post(url, {"username": staff.username, "password": PASSWORD}, REMOTE_ADDR=fresh_address())
        assert response.status_code == 429, url
    cache.delete(address_key(address))


@pytest.mark.django_db
def test_the_admin_still_logs_staff_in_and_a_success_clears_the_username_s_failures(client, staff):
    address = fresh_address()
    client.post("/admin/login/", {"username": staff.username, "password": "wrong"}, REMOTE_ADDR=address)
    assert cache.get(username_key(staff.username)) == 1
    response = client.post(
        "/admin/login/", {"username": staff.username, "password": PASSWORD, "next": "/admin/"}, REMOTE_ADDR=address
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert cache.get(username_key(staff.username)) is None
    cache.delete(address_key(address))


@pytest.mark.django_db
def test_a_partner_user_s_right_password_refused_by_the_admin_is_not_counted_as_a_guess(client, partner_admin):
    cache.delete(username_key("contoso-admin"))
    address = fresh_address()
    response = client.post("/admin/login/", {"username": "contoso-admin", "password": PASSWORD}, REMOTE_ADDR=address)
    assert response.status_code == 200  # not staff: the admin's own message
    assert cache.get(username_key("contoso-admin")) is None
    cache.delete(address_key(address))


# Look-alike spellings: what authentication would log in as is what is counted.


def test_the_counter_name_is_what_authentication_looks_up_case_folded():
    assert login_name("ｆabrikam-referrals") == "fabrikam-referrals"  # fullwidth ｆ, NFKC
    assert login_name("  Fabrikam-Referrals ") == "fabrikam-referrals"
    assert login_name("ＦＡＢＲＩＫＡＭ-referrals") == "fabrikam-referrals"
    assert login_name("ﬁnance") == "finance"  # the ligature ﬁ
    assert username_key("ｆabrikam-referrals") == username_key("FABRIKAM-referrals")
    assert username_key("fabrikam-referrals") != username_key("fabrikam-referral")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("guessed_as", "logs_in_as"),
    [
        ("fabrikam-referrals", "ｆabrikam-referrals"),
        ("ｆabrikam-referrals", "fabrikam-referrals"),
        ("FABRIKAM-REFERRALS", "ｆabrikam-referrals"),
    ],
)
@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_a_look_alike_spelling_of_a_locked_username_is_refused(
    client, other_org, settings, url, guessed_as, logs_in_as
):
    user = OpsUserFactory(username="fabrikam-referrals")
    cache.delete(username_key(user.username))
    address = fresh_address()
    for _ in range(settings.LEADHUB_LOGIN_MAX_FAILURES):
        client.post(url, {"username": guessed_as, "password": "wrong"}, REMOTE_ADDR=address)
    response = client.post(url, {"username": logs_in_as, "password": PASSWORD}, REMOTE_ADDR=fresh_address())
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    cache.delete_many([username_key(user.username), address_key(address)])


@pytest.mark.django_db
def test_the_fullwidth_spelling_does_log_in_when_nothing_is_locked(client, other_org):
    """The premise of the look-alike test: authentication itself treats the spellings as one user."""
    OpsUserFactory(username="fabrikam-referrals")
    cache.delete(username_key("fabrikam-referrals"))
    response = client.post(
        "/accounts/login/", {"username": "ｆabrikam-referrals", "password": PASSWORD}, REMOTE_ADDR=fresh_address()
    )
    assert response.status_code == 302
