"""API tokens: the partner admin's page (shown once, revoke), hashing, and the issue_api_token command."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from profiles.api_tokens import api_token_issue, hash_token
from profiles.models import ApiToken

pytestmark = pytest.mark.django_db


def bearer(client, plain):
    return client.get("/api/v1/leads", headers={"Authorization": f"Bearer {plain}"})


def shown_token(response) -> str | None:
    match = re.search(r'<code class="token-whole" id="new-token"[^>]*>([^<]+)</code>', response.content.decode())
    return match and match.group(1)


def test_a_partner_admin_creates_a_token_that_is_shown_once_and_works(client, partner_admin, referrals_admin):
    client.force_login(partner_admin)
    response = client.post("/profile/tokens/", {"name": "Salesforce", "user": referrals_admin.pk})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") and "no-store" in response["Cache-Control"]
    plain = shown_token(response)
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.token_hash) == (referrals_admin, "Salesforce", hash_token(plain))
    assert plain.startswith(token.prefix)
    listing = client.get("/profile/tokens/")
    assert shown_token(listing) is None and plain not in listing.content.decode()
    assert "Salesforce" in listing.content.decode()
    assert bearer(Client(), plain).status_code == 200


def test_revoking_a_token_stops_it_at_once(client, partner_admin):
    token, plain = api_token_issue(user=partner_admin, name="CRM")
    client.force_login(partner_admin)
    response = client.post(f"/profile/tokens/{token.pk}/revoke/", {"confirmed": "1"}, follow=True)
    assert "revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(Client(), plain).status_code == 401


def test_a_partner_admin_cannot_touch_another_organisations_tokens(client, partner_admin, other_admin):
    foreign, _plain = api_token_issue(user=other_admin, name="Theirs")
    client.force_login(partner_admin)
    assert "Theirs" not in client.get("/profile/tokens/").content.decode()
    assert client.post(f"/profile/tokens/{foreign.pk}/revoke/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None
    response = client.post("/profile/tokens/", {"name": "Sneaky", "user": other_admin.pk})
    assert response.status_code == 400 and "user" in response.context["form"].errors
    assert ApiToken.objects.count() == 1


@pytest.mark.parametrize("who", ["referrals_admin", "ops_user", "outsider"])
def test_only_a_partner_admin_may_open_the_tokens_page(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/profile/tokens/").status_code == 403
    assert client.post("/profile/tokens/", {"name": "x"}).status_code == 403


def test_the_tokens_page_needs_a_login_and_csrf(partner_admin):
    anonymous = Client()
    assert anonymous.get("/profile/tokens/").status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(partner_admin)
    assert strict.post("/profile/tokens/", {"name": "CRM", "user": partner_admin.pk}).status_code == 403
    assert not ApiToken.objects.exists()


def test_a_token_needs_a_name(client, partner_admin):
    client.force_login(partner_admin)
    response = client.post("/profile/tokens/", {"name": "  ", "user": partner_admin.pk})
    assert response.status_code == 400 and "name" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_issue_api_token_prints_the_token_as_its_last_line(referrals_admin):
    out = StringIO()
    call_command("issue_api_token", "contoso-referrals", stdout=out, stderr=StringIO())
    plain = out.getvalue().strip().splitlines()[-1]
    assert ApiToken.objects.get().token_hash == hash_token(plain)
    assert bearer(Client(), plain).status_code == 200


def test_issue_api_token_for_an_unknown_user_fails_clearly(db):
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("issue_api_token", "ghost", stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_ops_staff_revoke_tokens_in_the_admin(client, ops_user, partner_admin):
    from django.urls import reverse

    from profiles.api_tokens import api_token_issue

    token, _ = api_token_issue(user=partner_admin, name="CRM")
    client.force_login(ops_user)
    listing = client.get(reverse("admin:profiles_apitoken_changelist"))
    assert listing.status_code == 200 and token.prefix in listing.content.decode()
    client.post(
        reverse("admin:profiles_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk], "confirmed": "yes"},  # after the confirmation page
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
