"""The list's bulk bar and live refresh, through the views (the browser drives them in tests/browser)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from leads import services
from leads.models import Favorite, Lead, Status
from tests.factories import CustomerFactory, LeadFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def signed_in(client, partner_admin):
    client.force_login(partner_admin)
    return client


def test_bulk_decline_reports_a_lead_a_colleague_decided_and_declines_the_rest(
    signed_in, org, referrals_admin, other_org
):
    leads = [LeadFactory(partner=org) for _ in range(3)]
    taken = LeadFactory(partner=org, customer=CustomerFactory(company="Taken Already"))
    foreign = LeadFactory(partner=other_org)
    services.lead_accept(
        lead=taken,
        by=referrals_admin,
        deal_name="Mine",
        deal_value="10",
        estimated_close_date=timezone.localdate() + timedelta(days=9),
    )
    ids = [str(lead.pk) for lead in (*leads, taken, foreign)]
    response = signed_in.post("/leads/bulk/", {"ids": ids, "action": "decline", "reason": "not_a_fit"}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "3 of 5 leads declined." in html and "Taken Already" in html and "accepted" in html
    assert "1 lead could not be changed." in html  # the other organisation's lead, without saying whose
    assert response["HX-Trigger"] == '{"leads-changed": true}'
    assert [Lead.objects.get(pk=lead.pk).status for lead in leads] == [Status.DECLINED] * 3
    assert Lead.objects.get(pk=foreign.pk).status == Status.RECEIVED


def test_bulk_decline_with_other_needs_notes_and_changes_nothing_without(signed_in, org):
    lead = LeadFactory(partner=org)
    response = signed_in.post("/leads/bulk/", {"ids": [lead.pk], "action": "decline", "reason": "other"}, **HX)
    assert response.status_code == 422 and "notes" in response.content.decode()
    assert signed_in.post("/leads/bulk/", {"ids": [lead.pk], "action": "decline"}, **HX).status_code == 422
    assert Lead.objects.get(pk=lead.pk).status == Status.RECEIVED


def test_bulk_favourite_without_javascript_goes_back_with_a_message(signed_in, org, partner_admin):
    leads = [LeadFactory(partner=org) for _ in range(2)]
    response = signed_in.post(
        "/leads/bulk/",
        {"ids": [lead.pk for lead in leads], "action": "favorite", "next": "/leads/marketplace/?q=x"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/leads/marketplace/?q=x"
    assert "2 of 2 leads added to favourites." in response.content.decode()
    assert Favorite.objects.filter(user=partner_admin).count() == 2


def _poll_url(html: str) -> str:
    return re.search(r'id="live-poll"[^>]*? hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")


def test_live_refresh_answers_204_until_a_lead_arrives_then_only_the_new_row_and_counts(signed_in, org):
    LeadFactory(
        partner=org, customer=CustomerFactory(company="Old Lead"), received_at=timezone.now() - timedelta(hours=3)
    )
    page = signed_in.get("/leads/marketplace/").content.decode()
    poll = _poll_url(page)
    assert signed_in.get(poll, **HX).status_code == 204
    LeadFactory(partner=org, contact_requested=True, customer=CustomerFactory(company="Fresh Hot Lead"))
    answer = signed_in.get(poll, **HX)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert 'hx-swap-oob="afterbegin:#lead-rows"' in html and "Fresh Hot Lead" in html and "Old Lead" not in html
    assert 'id="tabs"' in html and 'hx-swap-oob="true"' in html
    assert 'id="live-banner"' in html and "Hot lead!" in html
    assert signed_in.get(_poll_url(html), **HX).status_code == 204  # the new poller knows what it has now


def test_live_refresh_of_another_organisations_lead_stays_quiet(signed_in, org, other_org):
    LeadFactory(partner=org)
    poll = _poll_url(signed_in.get("/leads/marketplace/").content.decode())
    LeadFactory(partner=other_org)
    assert signed_in.get(poll, **HX).status_code == 204


def test_live_refresh_needs_a_login_and_a_known_tab(client, signed_in):
    assert signed_in.get("/leads/nowhere/live/").status_code == 404
    client.logout()
    assert client.get("/leads/marketplace/live/").status_code == 302


@pytest.mark.parametrize("tab", ["marketplace", "qualified", "favorites"])
def test_live_fingerprint_in_one_statement_equals_the_list_pages(org, partner_admin, ops_user, tab):
    from django.db.models import Max

    from leads.selectors import lead_waiting_counts
    from leads.selectors.leads import lead_queryset_for
    from leads.selectors.live import lead_tab_fingerprint

    lead = LeadFactory(partner=org, contact_requested=True)
    LeadFactory(partner=org, lead_type="sales_qualified")
    services.lead_favorite_set(lead=lead, by=partner_admin, favorite=True)
    for user in (partner_admin, ops_user):
        _fingerprint, counts, newest = lead_tab_fingerprint(user, tab)
        assert counts == lead_waiting_counts(user)  # the tab headers' figures, from the same statement
        visible = lead_queryset_for(user)
        visible = visible.filter(favorites__user_id=user.pk) if tab == "favorites" else visible.filter(tab=tab)
        assert newest == visible.aggregate(newest=Max("received_at"))["newest"]
        assert newest is not None or (tab == "favorites" and user == ops_user)
