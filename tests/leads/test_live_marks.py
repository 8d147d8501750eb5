"""The live refresh's shortcut (leads.selectors.live): an unchanged tab's poll answers 204 from the cache alone, and
every kind of change (a colleague's action, a new lead, the expiry job, a heart) makes the next poll look again."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads import services
from leads.models import Lead
from tests.factories import CustomerFactory, LeadFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def signed_in(client, partner_admin):
    client.force_login(partner_admin)
    return client


def _poll_url(html: str) -> str:
    return re.search(r'id="live-poll"[^>]*? hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")


def _poll(client, url: str) -> tuple[int, list[str], str]:
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(url, **HX)
    return answer.status_code, [query["sql"] for query in queries if Lead._meta.db_table in query["sql"]], answer


def _opened(client, tab: str = "marketplace") -> str:
    url = _poll_url(client.get(f"/leads/{tab}/").content.decode())
    assert client.get(url, **HX).status_code == 204  # the first poll asks the database and remembers
    return url


def test_an_unchanged_tab_answers_204_without_reading_the_leads(signed_in, org):
    LeadFactory(partner=org)
    url = _opened(signed_in)
    for _ in range(3):
        status, lead_queries, _answer = _poll(signed_in, url)
        assert status == 204 and lead_queries == []


def test_a_colleagues_decline_shows_at_the_next_poll(signed_in, org, referrals_admin):
    leads = LeadFactory.create_batch(2, partner=org)
    url = _opened(signed_in)
    services.lead_decline(lead=leads[0], by=referrals_admin, reason="not_a_fit")
    status, lead_queries, answer = _poll(signed_in, url)
    assert status == 200 and lead_queries
    assert 'id="tabs"' in answer.content.decode()
    assert signed_in.get(_poll_url(answer.content.decode()), **HX).status_code == 204


def test_a_new_lead_and_a_bulk_show_at_the_next_poll(signed_in, org, partner_admin):
    LeadFactory(partner=org, received_at=timezone.now() - timedelta(hours=1))
    url = _opened(signed_in)
    LeadFactory(partner=org, customer=CustomerFactory(company="Arrived Just Now"))
    status, _queries, answer = _poll(signed_in, url)
    assert status == 200 and "Arrived Just Now" in answer.content.decode()
    url = _poll_url(answer.content.decode())
    assert _poll(signed_in, url)[0] == 204
    lead = Lead.objects.get(customer__company="Arrived Just Now")
    outcomes = services.leads_bulk_run(
        by=partner_admin, items=[(str(lead.pk), [services.Step("decline", {"reason": "no_budget"})], None)]
    )
    assert outcomes[0].ok
    assert _poll(signed_in, url)[0] == 200


def test_the_expiry_job_shows_at_the_next_poll(signed_in, org):
    LeadFactory(partner=org, received_at=timezone.now() - timedelta(days=30))
    LeadFactory(partner=org)
    url = _opened(signed_in)
    assert services.leads_expire_overdue() == 1
    assert _poll(signed_in, url)[0] == 200


def test_a_heart_shows_at_the_next_poll_of_the_favourites(signed_in, org, partner_admin):
    lead = LeadFactory(partner=org)
    url = _opened(signed_in, "favorites")
    services.lead_favorite_set(lead=lead, by=partner_admin, favorite=True)
    status, _queries, answer = _poll(signed_in, url)
    assert status == 200 and 'id="tabs"' in answer.content.decode()


def test_another_organisations_change_keeps_the_tab_answered_from_the_cache(signed_in, org, other_org, other_admin):
    LeadFactory(partner=org)
    foreign = LeadFactory(partner=other_org)
    url = _opened(signed_in)
    services.lead_decline(lead=foreign, by=other_admin, reason="not_a_fit")
    LeadFactory(partner=other_org)
    status, lead_queries, _answer = _poll(signed_in, url)
    assert status == 204 and lead_queries == []


def test_a_colleague_polling_the_same_tab_has_a_fingerprint_of_their_own(client, signed_in, org, referrals_admin):
    lead = LeadFactory(partner=org)
    url = _opened(signed_in, "favorites")
    services.lead_favorite_set(lead=lead, by=referrals_admin, favorite=True)  # the colleague's heart, not mine
    assert _poll(signed_in, url)[0] == 204


def _open_page(client, path: str = "/leads/marketplace/") -> tuple[list[str], list[str]]:
    """The tab counts' statements a page load ran, and the badges it shows (marketplace, qualified, favourites)."""
    with CaptureQueriesContext(connection) as queries:
        html = client.get(path).content.decode()
    return [query["sql"] for query in queries if "count(CASE" in query["sql"]], _badges(html)


def _badges(html: str) -> list[str]:
    return re.findall(r'<span class="count[^"]*" title="[^"]*">([^<]+)</span>', html)


def test_an_unchanged_tab_reopened_takes_its_counts_from_the_cache_and_any_change_counts_again(
    signed_in, org, referrals_admin
):
    leads = LeadFactory.create_batch(3, partner=org)
    counted, badges = _open_page(signed_in)
    assert counted and badges[0] == "3 waiting"
    counted, badges = _open_page(signed_in)
    assert counted == [] and badges[0] == "3 waiting"  # nothing changed: the remembered counts
    services.lead_decline(lead=leads[0], by=referrals_admin, reason="not_a_fit")  # a colleague's decision
    counted, badges = _open_page(signed_in)
    assert counted and badges[0] == "2 waiting"
    LeadFactory(partner=org)
    assert _open_page(signed_in)[1][0] == "3 waiting"
    assert services.leads_expire_overdue(now=timezone.now() + timedelta(days=30)) == 3
    counted, badges = _open_page(signed_in)
    assert counted and badges[0] == "0 waiting"


def test_a_poll_and_the_page_share_what_they_remember(signed_in, org):
    LeadFactory(partner=org)
    url = _poll_url(signed_in.get("/leads/marketplace/").content.decode())
    status, lead_queries, _answer = _poll(signed_in, url)
    assert status == 204 and lead_queries == []  # the page remembered: its first poll needs no database either
    LeadFactory(partner=org)
    assert _poll(signed_in, url)[0] == 200  # the poll counted again and remembered the new state
    counted, badges = _open_page(signed_in)
    assert counted == [] and badges[0] == "2 waiting"


def test_a_lead_page_takes_the_tab_counts_from_the_cache_until_something_changes(signed_in, org, referrals_admin):
    leads = LeadFactory.create_batch(2, partner=org)
    page = f"/leads/{leads[0].pk}/"
    counted, badges = _open_page(signed_in, page)
    assert counted and badges[0] == "2 waiting"
    counted, badges = _open_page(signed_in, page)
    assert counted == [] and badges[0] == "2 waiting"
    services.lead_decline(lead=leads[1], by=referrals_admin, reason="not_a_fit")
    counted, badges = _open_page(signed_in, page)
    assert counted and badges[0] == "1 waiting"
    # My heart: the answer counts again (its tabs come out of band) and remembers; the page then shows the same.
    heart = signed_in.post(f"/leads/{leads[0].pk}/favorite/", {"favorite": "1"}, **HX).content.decode()
    assert _badges(heart) == ["1 waiting", "0 waiting", "1 waiting"]
    assert _open_page(signed_in, page) == ([], ["1 waiting", "0 waiting", "1 waiting"])
