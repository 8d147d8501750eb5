"""The triage pages: tabs, list filters, the lead page and every action, as full pages and as HTMX fragments."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leads.models import Favorite, Lead, LeadType, Status
from leads.services import lead_favorite_set
from tests.factories import AcceptedLeadFactory, CustomerFactory, LeadFactory

HX = {"HTTP_HX_REQUEST": "true"}
FUTURE = (timezone.now() + timedelta(days=40)).date().isoformat()


@pytest.fixture
def admin_client(client, partner_admin):
    client.force_login(partner_admin)
    return client


def url(name, lead):
    return reverse(f"leads:{name}", kwargs={"lead_id": lead.pk})


def fresh(lead):
    return Lead.objects.get(pk=lead.pk)


def accept_data(**overrides):
    data = {
        "deal_name": "Cloud move",
        "deal_value": "12500.50",
        "currency": "EUR",
        "estimated_close_date": FUTURE,
        "notes": "Call Monday",
        "crm_id": "CRM-7",
        "campaign_id": "SPRING",
    }
    data.update(overrides)
    return data


# --- Lists -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/leads/marketplace/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.django_db
def test_login_lands_on_the_marketplace_tab(client, partner_admin):
    response = client.post("/accounts/login/", {"username": "contoso-admin", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert response.url == "/leads/marketplace/"


@pytest.mark.django_db
def test_header_shows_organisation_user_role_and_waiting_counts(admin_client, org, other_org):
    LeadFactory.create_batch(2, partner=org)
    LeadFactory(partner=org, lead_type=LeadType.SALES_QUALIFIED)
    AcceptedLeadFactory(partner=org)  # answered: not waiting
    LeadFactory(partner=other_org)  # another organisation's: never counted
    html = admin_client.get("/leads/marketplace/").content.decode()
    assert "Contoso Consulting" in html and "contoso-admin" in html and "Partner admin" in html
    assert 'href="/leads/marketplace/" aria-current="page"' in html
    tabs = html[html.index('id="tabs"') : html.index("</nav>")]
    assert ">2 waiting<" in tabs.split("Qualified leads")[0]  # marketplace: 2 waiting, in visible words
    assert ">1 waiting<" in tabs.split("Qualified leads")[1].split("Favorites")[0]


@pytest.mark.django_db
def test_each_tab_lists_only_its_own_leads_of_the_users_organisation(admin_client, org, other_org, partner_admin):
    inquiry = LeadFactory(partner=org, customer=CustomerFactory(company="Inquiry Co"))
    qualified = LeadFactory(
        partner=org, lead_type=LeadType.MARKETING_QUALIFIED, customer=CustomerFactory(company="Qualified Co")
    )
    LeadFactory(partner=other_org, customer=CustomerFactory(company="Foreign Co"))
    lead_favorite_set(lead=qualified, by=partner_admin, favorite=True)
    marketplace = admin_client.get("/leads/marketplace/").content.decode()
    assert "Inquiry Co" in marketplace and "Qualified Co" not in marketplace and "Foreign Co" not in marketplace
    qualified_page = admin_client.get("/leads/qualified/").content.decode()
    assert "Qualified Co" in qualified_page and "Inquiry Co" not in qualified_page
    favorites = admin_client.get("/leads/favorites/").content.decode()
    assert "Qualified Co" in favorites and "Inquiry Co" not in favorites
    assert inquiry.pk  # listed above by its company


@pytest.mark.django_db
def test_favorites_are_per_user(client, org, partner_admin, referrals_admin):
    lead = LeadFactory(partner=org, customer=CustomerFactory(company="Hearted Co"))
    lead_favorite_set(lead=lead, by=referrals_admin, favorite=True)
    client.force_login(partner_admin)
    assert "Hearted Co" not in client.get("/leads/favorites/").content.decode()


@pytest.mark.django_db
def test_list_without_htmx_is_a_full_page_and_with_htmx_only_the_fragment(admin_client, org):
    LeadFactory(partner=org, customer=CustomerFactory(company="Row Co"))
    full = admin_client.get("/leads/marketplace/").content.decode()
    assert full.lstrip().startswith("<!doctype html>") and 'id="lead-results"' in full

    results = admin_client.get("/leads/marketplace/?q=Row", HTTP_HX_TARGET="lead-results", **HX).content.decode()
    assert results.lstrip().startswith('<div id="lead-results"')
    assert "<html" not in results and 'id="tabs"' not in results and "Row Co" in results

    panel = admin_client.get("/leads/qualified/", HTTP_HX_TARGET="lead-panel", **HX).content.decode()
    assert panel.lstrip().startswith('<section id="lead-panel"')
    assert "<html" not in panel
    assert 'hx-swap-oob="true"' in panel  # the tabs follow the switch
    assert 'href="/leads/qualified/" aria-current="page"' in panel


@pytest.mark.django_db
def test_search_covers_customer_contact_email_need_deal_name_and_crm_id(admin_client, org):
    LeadFactory(partner=org, customer=CustomerFactory(company="Alpha Ltd"))
    LeadFactory(partner=org, customer=CustomerFactory(contact_name="Bohumil Beta"))
    LeadFactory(partner=org, customer=CustomerFactory(email="gamma@example.org"))
    LeadFactory(partner=org, need="We want a delta warehouse")
    AcceptedLeadFactory(partner=org, deal_name="Epsilon deal", customer=CustomerFactory(company="E Co"))
    AcceptedLeadFactory(partner=org, crm_id="ZETA-42", customer=CustomerFactory(company="Z Co"))
    for term in ("alpha", "beta", "GAMMA@", "delta", "epsilon", "zeta-42"):
        html = admin_client.get("/leads/marketplace/", {"q": term}).content.decode()
        assert "1 lead" in html, term
    assert "No leads match." in admin_client.get("/leads/marketplace/", {"q": "nothing-like-this"}).content.decode()


@pytest.mark.django_db
def test_status_filter_takes_a_stage_or_a_status(admin_client, org):
    LeadFactory(partner=org, customer=CustomerFactory(company="Waiting Co"))
    AcceptedLeadFactory(partner=org, customer=CustomerFactory(company="Deal Co"))
    LeadFactory(partner=org, status=Status.DECLINED, customer=CustomerFactory(company="Gone Co"))
    archived = admin_client.get("/leads/marketplace/", {"status": "archived"}).content.decode()
    assert "Gone Co" in archived and "Waiting Co" not in archived and "Deal Co" not in archived
    accepted = admin_client.get("/leads/marketplace/", {"status": "accepted"}).content.decode()
    assert "Deal Co" in accepted and "Gone Co" not in accepted
    declined = admin_client.get("/leads/marketplace/", {"status": "declined"}).content.decode()
    assert "Gone Co" in declined and "Waiting Co" not in declined
    junk = admin_client.get("/leads/marketplace/", {"status": "nonsense", "sort": "bogus"})
    assert junk.status_code == 200 and "3 leads" in junk.content.decode()
    searched = admin_client.get("/leads/marketplace/", {"status": "nonsense", "q": "Gone"}).content.decode()
    assert "1 lead" in searched and "Gone Co" in searched  # a bad filter does not drop the search


@pytest.mark.django_db
def test_sort_by_deal_value_and_time_left(admin_client, org):
    now = timezone.now()
    AcceptedLeadFactory(partner=org, deal_value="100.00", customer=CustomerFactory(company="Small Deal"))
    AcceptedLeadFactory(partner=org, deal_value="900000.00", customer=CustomerFactory(company="Big Deal"))
    html = admin_client.get("/leads/marketplace/", {"sort": "deal_value"}).content.decode()
    assert html.index("Big Deal") < html.index("Small Deal")
    assert "900,000.00 EUR" in html  # the deal value shows once accepted
    LeadFactory(partner=org, received_at=now - timedelta(days=13), customer=CustomerFactory(company="Due Soon"))
    LeadFactory(partner=org, received_at=now, customer=CustomerFactory(company="Just In"))
    html = admin_client.get("/leads/marketplace/", {"sort": "time_left", "status": "received"}).content.decode()
    assert html.index("Due Soon") < html.index("Just In")


def _link(html_text, rel):
    match = re.search(rf'rel="{rel}" href="([^"]+)"', html_text)
    return unescape(match.group(1)) if match else None


@pytest.mark.django_db
def test_pagination_keeps_filters_and_pages_through(admin_client, org):
    for index in range(30):
        LeadFactory(
            partner=org,
            customer=CustomerFactory(company=f"Paged {index:02d}"),
            received_at=timezone.now() - timedelta(minutes=index),
        )
    first = admin_client.get("/leads/marketplace/", {"q": "Paged"}).content.decode()
    assert "Page 1" in first and "Paged 00" in first and "Paged 29" not in first
    assert 'result-count">30 leads' not in first  # newest first pages by cursor: the tab is never counted
    following = _link(first, "next")
    assert following.startswith("/leads/marketplace/?q=Paged&cursor=")
    second = admin_client.get(following, HTTP_HX_TARGET="lead-results", **HX).content.decode()
    assert "Paged 29" in second and "Paged 00" not in second and _link(second, "next") is None
    assert 'href="/leads/marketplace/?q=Paged"' in second and "First page" in second
    # A page number still works for the first pages, and links back; a stale cursor starts over.
    numbered = admin_client.get("/leads/marketplace/", {"q": "Paged", "page": 2}).content.decode()
    assert (
        "Paged 29" in numbered
        and "Paged 00" not in numbered
        and _link(numbered, "prev") == "/leads/marketplace/?q=Paged"
    )
    stale = admin_client.get("/leads/marketplace/", {"q": "Paged", "cursor": "bm90LWEtY3Vyc29y"}).content.decode()
    assert "Paged 00" in stale and "Paged 29" not in stale
    assert "Paged 00" in admin_client.get("/leads/marketplace/", {"q": "Paged", "page": "999"}).content.decode()
    # Deal value has no keyset: numbered pages with the total.
    by_value = admin_client.get("/leads/marketplace/", {"q": "Paged", "sort": "deal_value"}).content.decode()
    assert 'result-count">30 leads' in by_value and "Page 1 of 2" in by_value
    assert _link(by_value, "next") == "/leads/marketplace/?q=Paged&sort=deal_value&page=2"


@pytest.mark.django_db
def test_keyset_pages_never_count_the_tab_and_fragments_skip_the_tab_counts(admin_client, org):
    for index in range(30):
        LeadFactory(partner=org, received_at=timezone.now() - timedelta(minutes=index))
    admin_client.get("/leads/marketplace/")
    LeadFactory(partner=org, received_at=timezone.now() - timedelta(hours=1))  # the tab changed since: count it
    with CaptureQueriesContext(connection) as full:
        assert admin_client.get("/leads/marketplace/").status_code == 200
    assert not [query for query in full.captured_queries if "COUNT(*)" in query["sql"]]
    with CaptureQueriesContext(connection) as fragment:
        html = admin_client.get("/leads/marketplace/?page=2", HTTP_HX_TARGET="lead-results", **HX).content.decode()
    assert html.count("data-lead=") == 6
    # The same, less the one statement of the tab counts and the live refresh's newest-lead probe, which the
    # fragment does not need: the full page has the session's user, the rows and that statement.
    assert len(full) == 3
    assert len(fragment) == len(full) - 1
    # Opened again with nothing changed, the full page takes that statement's answer from the cache.
    with CaptureQueriesContext(connection) as again:
        assert admin_client.get("/leads/marketplace/").status_code == 200
    assert len(again) == len(fragment)


@pytest.mark.django_db
def test_row_shows_countdown_red_under_48_hours_and_flame_for_hot_leads(admin_client, org):
    LeadFactory(
        partner=org, received_at=timezone.now() - timedelta(days=13), customer=CustomerFactory(company="Late Co")
    )
    LeadFactory(partner=org, contact_requested=True, customer=CustomerFactory(company="Hot Co"))
    html = admin_client.get("/leads/marketplace/").content.decode()
    late_row = html[html.index("Late Co") : html.index("</li>", html.index("Late Co"))]
    assert 'class="time-left urgent"' in late_row and "left" in late_row
    hot_row = html[html.index("Hot Co") : html.index("</li>", html.index("Hot Co"))]
    assert 'class="flame"' in hot_row and "Hot" in hot_row
    assert 'class="time-left"' in hot_row  # 14 days left: not urgent


def _list_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/leads/marketplace/",
        "/leads/qualified/",
        "/leads/favorites/",
        "/leads/marketplace/?q=Co&status=received&sort=time_left",
    ],
)
def test_list_pages_cost_the_same_queries_for_5_rows_and_100(
    admin_client, org, partner_admin, path, django_assert_max_num_queries
):
    def make(count):
        for index in range(count):
            lead_type = LeadType.CUSTOMER_INQUIRY if index % 2 else LeadType.SALES_QUALIFIED
            lead = LeadFactory(partner=org, lead_type=lead_type)
            Favorite.objects.create(user=partner_admin, lead=lead)

    # The first request of a session records when it was last seen (a session write); measure the steady state:
    # session, user with membership and organisation, two waiting counts, the page's count, the rows.
    admin_client.get(path)
    make(5)
    with django_assert_max_num_queries(6):
        admin_client.get(path)
    few = _list_queries(admin_client, path)
    make(95)
    with django_assert_max_num_queries(6):
        admin_client.get(path)
    assert _list_queries(admin_client, path) == few


# --- The lead page ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_lead_page_full_and_as_fragment(admin_client, lead):
    full = admin_client.get(url("detail", lead)).content.decode()
    assert full.lstrip().startswith("<!doctype html>")
    for text in (
        lead.customer.company,
        lead.customer.contact_name,
        lead.customer.email,
        lead.need,
        "seller@vendor.example",
        "History",
    ):
        assert text in full
    fragment = admin_client.get(url("detail", lead), **HX).content.decode()
    assert fragment.lstrip().startswith('<div id="lead-main"') and "<html" not in fragment


@pytest.mark.django_db
def test_another_organisations_or_a_malformed_lead_is_not_found(admin_client, other_org):
    foreign = LeadFactory(partner=other_org)
    assert admin_client.get(url("detail", foreign)).status_code == 404
    assert admin_client.get("/leads/not-a-uuid/").status_code == 404


@pytest.mark.django_db
def test_received_lead_offers_accept_and_decline_only(admin_client, lead):
    html = admin_client.get(url("detail", lead)).content.decode()
    assert url("accept", lead) in html and url("decline", lead) in html
    assert "choose another partner" in html
    assert 'name="team-0-name"' in html and 'name="deal_value"' in html and 'name="crm_id"' in html
    for name in ("edit", "team", "win", "lose"):
        assert url(name, lead) not in html


@pytest.mark.django_db
def test_accepted_lead_offers_edit_team_win_and_lose(admin_client, org):
    lead = AcceptedLeadFactory(partner=org)
    html = admin_client.get(url("detail", lead)).content.decode()
    for name in ("edit", "team", "win", "lose"):
        assert url(name, lead) in html
    assert url("accept", lead) not in html and url("decline", lead) not in html
    assert "Cloud migration" in html and "12,500.00 EUR" in html


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.WON, Status.LOST, Status.DECLINED, Status.EXPIRED])
def test_archived_lead_is_read_only_and_says_so(admin_client, org, status):
    lead = LeadFactory(partner=org, status=status)
    html = admin_client.get(url("detail", lead)).content.decode()
    assert "archived. It is read-only" in html
    for name in ("accept", "decline", "edit", "team", "win", "lose"):
        assert url(name, lead) not in html


@pytest.mark.django_db
def test_hot_lead_page_shows_the_flame_alert(admin_client, org):
    lead = LeadFactory(partner=org, contact_requested=True, received_at=timezone.now() - timedelta(hours=5, minutes=30))
    html = admin_client.get(url("detail", lead)).content.decode()
    assert 'data-alert="hot"' in html and "Hot lead!" in html and "call within 2 d 18 h, by" in html


@pytest.mark.django_db
def test_after_72_hours_the_alert_changes_while_the_lead_is_active(admin_client, org):
    lead = LeadFactory(partner=org, contact_requested=True, received_at=timezone.now() - timedelta(days=3, hours=2))
    html = admin_client.get(url("detail", lead)).content.decode()
    assert 'data-alert="hot"' not in html and 'data-alert="cooled"' in html
    assert "Customer asked to be contacted directly 3 days ago — reach out now." in html
    row = admin_client.get("/leads/marketplace/").content.decode()
    assert 'class="flame"' not in row
    archived = LeadFactory(
        partner=org, contact_requested=True, status=Status.DECLINED, received_at=timezone.now() - timedelta(days=4)
    )
    assert "data-alert=" not in admin_client.get(url("detail", archived)).content.decode().replace(
        'data-alert="archived"', ""
    )


# --- Actions ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_accept_with_two_team_members_redirects_and_records_everything(admin_client, lead):
    data = accept_data(
        **{
            "team-0-name": "Eva",
            "team-0-email": "eva@contoso.example",
            "team-0-phone": "1",
            "team-1-name": "",
            "team-1-email": "",
            "team-1-phone": "",
            "team-5-name": "Karel",
            "team-5-email": "karel@contoso.example",
        }
    )
    response = admin_client.post(url("accept", lead), data)
    assert response.status_code == 302 and response.url == url("detail", lead)
    lead = fresh(lead)
    assert lead.status == Status.ACCEPTED and lead.deal_name == "Cloud move" and str(lead.deal_value) == "12500.50"
    assert lead.currency == "EUR" and lead.crm_id == "CRM-7" and lead.campaign_id == "SPRING"
    assert [member.name for member in lead.team.all()] == ["Eva", "Karel"]
    page = admin_client.get(response.url).content.decode()
    assert "Lead accepted" in page and "karel@contoso.example" in page


@pytest.mark.django_db
def test_accept_over_htmx_returns_the_fresh_lead_fragment(admin_client, lead):
    response = admin_client.post(url("accept", lead), accept_data(), **HX)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="lead-main"')
    assert "Lead accepted" in html and url("win", lead) in html and url("accept", lead) not in html


@pytest.mark.django_db
def test_accept_errors_show_next_to_fields_and_keep_the_input(admin_client, lead):
    data = accept_data(deal_name="", deal_value="-5", **{"team-0-name": "Eva", "team-0-email": "not-an-email"})
    for extra in ({}, HX):
        response = admin_client.post(url("accept", lead), data, **extra)
        html = response.content.decode()
        assert response.status_code == 422
        assert "This field is required." in html
        assert 'value="-5"' in html and 'value="CRM-7"' in html  # what the user typed stays
        assert 'value="Eva"' in html and 'value="not-an-email"' in html and "Enter a valid email address." in html
    assert fresh(lead).status == Status.RECEIVED and not fresh(lead).team.exists()


@pytest.mark.django_db
def test_accept_with_a_past_close_date_is_refused(admin_client, lead):
    response = admin_client.post(url("accept", lead), accept_data(estimated_close_date="2001-01-01"))
    assert response.status_code == 422 and "cannot be in the past" in response.content.decode()
    assert fresh(lead).status == Status.RECEIVED


@pytest.mark.django_db
def test_accept_after_someone_else_declined_is_a_clear_conflict(admin_client, org):
    lead = LeadFactory(partner=org, status=Status.DECLINED, reason="no_budget")
    for extra in ({}, HX):
        response = admin_client.post(url("accept", lead), accept_data(), **extra)
        html = response.content.decode()
        assert response.status_code == 409
        assert "This lead was already declined" in html and "Someone else changed this lead" in html
        assert "archived. It is read-only" in html  # the fresh state
    assert fresh(lead).status == Status.DECLINED


@pytest.mark.django_db
@pytest.mark.parametrize(
    "action, data",
    [
        ("accept", accept_data()),
        ("decline", {"reason": "no_budget"}),
        ("edit", {"deal_name": "x"}),
        ("team", {"name": "Eva", "email": "eva@x.example"}),
        ("win", {}),
        ("lose", {"reason": "no_budget"}),
        ("favorite", {"favorite": "1"}),
    ],
)
def test_actions_on_another_organisations_lead_are_not_found(admin_client, other_org, action, data):
    lead = (
        AcceptedLeadFactory(partner=other_org)
        if action in ("edit", "team", "win", "lose")
        else LeadFactory(partner=other_org)
    )
    before = fresh(lead)
    assert admin_client.post(url(action, lead), data).status_code == 404
    after = fresh(lead)
    assert (after.status, after.version, after.deal_name) == (before.status, before.version, before.deal_name)
    assert not Favorite.objects.filter(lead=lead).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["accept", "decline", "edit", "team", "win", "lose", "favorite"])
def test_actions_answer_only_post(admin_client, lead, action):
    assert admin_client.get(url(action, lead)).status_code == 405


@pytest.mark.django_db
def test_actions_need_the_csrf_token(partner_admin, lead):
    client = Client(enforce_csrf_checks=True)
    client.force_login(partner_admin)
    assert client.post(url("decline", lead), {"reason": "no_budget"}).status_code == 403
    assert fresh(lead).status == Status.RECEIVED


@pytest.mark.django_db
def test_decline_success_error_and_conflict(client, referrals_admin, org):
    client.force_login(referrals_admin)  # referrals admins triage too
    lead = LeadFactory(partner=org)
    bad = client.post(url("decline", lead), {"reason": "because", "reason_notes": "typed notes"}, **HX)
    assert bad.status_code == 422 and "Select a valid choice" in bad.content.decode()
    assert "typed notes" in bad.content.decode() and fresh(lead).status == Status.RECEIVED

    done = client.post(url("decline", lead), {"reason": "no_budget", "reason_notes": "Next year", "confirmed": "1"})
    assert done.status_code == 302
    lead = fresh(lead)
    assert (lead.status, lead.reason, lead.reason_notes) == (Status.DECLINED, "no_budget", "Next year")
    page = client.get(done.url).content.decode()
    assert "choose another partner" in page and "Customer has no budget" in page

    again = client.post(url("decline", lead), {"reason": "other", "reason_notes": "Moved on", "confirmed": "1"})
    assert again.status_code == 409 and "already declined" in again.content.decode()
    assert fresh(lead).reason == "no_budget"


@pytest.mark.django_db
def test_edit_success_error_stale_copy_and_conflict(admin_client, org):
    lead = AcceptedLeadFactory(partner=org)
    data = {
        "deal_name": "Bigger deal",
        "deal_value": "20000",
        "currency": "EUR",
        "estimated_close_date": FUTURE,
        "notes": "",
        "crm_id": "",
        "campaign_id": "",
        "version": lead.version,
    }
    bad = admin_client.post(url("edit", lead), {**data, "deal_value": "-1"}, **HX)
    assert bad.status_code == 422 and 'value="Bigger deal"' in bad.content.decode()
    assert fresh(lead).deal_name == "Cloud migration"

    done = admin_client.post(url("edit", lead), data, **HX)
    assert done.status_code == 200 and "Deal saved." in done.content.decode()
    assert fresh(lead).deal_name == "Bigger deal" and str(fresh(lead).deal_value) == "20000.00"

    stale = admin_client.post(url("edit", lead), {**data, "deal_name": "Old tab"})  # version from before the save
    assert stale.status_code == 409 and "changed since you loaded it" in stale.content.decode()
    assert fresh(lead).deal_name == "Bigger deal"

    archived = AcceptedLeadFactory(partner=org, status=Status.WON)
    conflict = admin_client.post(url("edit", archived), {**data, "version": archived.version})
    assert conflict.status_code == 409 and "already won" in conflict.content.decode()


@pytest.mark.django_db
def test_team_success_error_and_conflict(admin_client, org):
    lead = AcceptedLeadFactory(partner=org)
    bad = admin_client.post(url("team", lead), {"name": "Iva", "email": "nope"}, **HX)
    assert bad.status_code == 422 and 'value="Iva"' in bad.content.decode()
    done = admin_client.post(url("team", lead), {"name": "Iva", "email": "iva@contoso.example", "phone": "+420 1"})
    assert done.status_code == 302 and [m.name for m in fresh(lead).team.all()] == ["Iva"]
    received = LeadFactory(partner=org)
    conflict = admin_client.post(url("team", received), {"name": "Iva", "email": "iva@contoso.example"}, **HX)
    assert conflict.status_code == 409 and "not been accepted yet" in conflict.content.decode()
    assert not received.team.exists()


@pytest.mark.django_db
def test_win_success_and_conflict(admin_client, org):
    lead = AcceptedLeadFactory(partner=org)
    done = admin_client.post(url("win", lead), {"confirmed": "1"}, **HX)
    assert done.status_code == 200 and fresh(lead).status == Status.WON
    assert "archived. It is read-only" in done.content.decode()
    again = admin_client.post(url("win", lead), {"confirmed": "1"})
    assert again.status_code == 409 and "already won" in again.content.decode()
    received = LeadFactory(partner=org)
    assert admin_client.post(url("win", received)).status_code == 409
    assert fresh(received).status == Status.RECEIVED


@pytest.mark.django_db
def test_lose_success_error_and_conflict(admin_client, org):
    lead = AcceptedLeadFactory(partner=org)
    bad = admin_client.post(url("lose", lead), {"reason": "no_budget_x", "reason_notes": "kept"}, **HX)
    assert bad.status_code == 422 and "kept" in bad.content.decode() and fresh(lead).status == Status.ACCEPTED
    done = admin_client.post(url("lose", lead), {"reason": "chose_another_vendor", "confirmed": "1"})
    assert done.status_code == 302 and fresh(lead).status == Status.LOST
    assert "Customer chose another vendor" in admin_client.get(done.url).content.decode()
    again = admin_client.post(url("lose", lead), {"reason": "other", "reason_notes": "x", "confirmed": "1"}, **HX)
    assert again.status_code == 409 and "already lost" in again.content.decode()


@pytest.mark.django_db
def test_heart_toggles_in_place_over_htmx(admin_client, lead, partner_admin):
    on = admin_client.post(url("favorite", lead), {"favorite": "1", "next": "/leads/marketplace/"}, **HX)
    html = on.content.decode()
    assert on.status_code == 200 and html.lstrip().startswith('<form class="heart-form"')
    assert 'aria-pressed="true"' in html and 'name="favorite" value="0"' in html
    assert Favorite.objects.filter(user=partner_admin, lead=lead).exists()
    off = admin_client.post(url("favorite", lead), {"favorite": "0"}, **HX)
    assert 'aria-pressed="false"' in off.content.decode()
    assert not Favorite.objects.filter(user=partner_admin, lead=lead).exists()


@pytest.mark.django_db
def test_heart_without_javascript_goes_back_to_a_safe_page(admin_client, lead, partner_admin):
    back = admin_client.post(url("favorite", lead), {"favorite": "1", "next": "/leads/favorites/?q=x"})
    assert back.status_code == 302 and back.url == "/leads/favorites/?q=x"
    evil = admin_client.post(url("favorite", lead), {"favorite": "1", "next": "https://evil.example/"})
    assert evil.url == url("detail", lead)
    assert Favorite.objects.filter(user=partner_admin, lead=lead).count() == 1


@pytest.mark.django_db
def test_archived_lead_can_still_be_hearted(admin_client, org, partner_admin):
    lead = LeadFactory(partner=org, status=Status.WON)
    assert admin_client.post(url("favorite", lead), {"favorite": "1"}, **HX).status_code == 200
    assert Favorite.objects.filter(user=partner_admin, lead=lead).exists()


@pytest.mark.django_db
def test_output_is_escaped(admin_client, org):
    LeadFactory(
        partner=org,
        customer=CustomerFactory(company="<script>alert(1)</script>", contact_name='"Eve" <e>'),
        need="<b>bold</b> & more",
    )
    html = admin_client.get("/leads/marketplace/", {"q": "<b>"}).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "&quot;Eve&quot; &lt;e&gt;" in html and "&lt;b&gt;bold&lt;/b&gt; &amp; more" in html
    assert 'name="next" value="/leads/marketplace/?q=%3Cb%3E"' in html


@pytest.mark.django_db
def test_list_heart_works_without_javascript_under_csrf(partner_admin, org):
    lead = LeadFactory(partner=org, customer=CustomerFactory(company="Plain Co"))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(partner_admin)
    html = browser.get("/leads/marketplace/?status=received").content.decode()
    form = re.search(r'<form class="heart-form" method="post" action="([^"]+)".*?</form>', html, re.DOTALL)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(0)))
    assert form.group(1) == url("favorite", lead) and fields["favorite"] == "1"
    response = browser.post(form.group(1), {key: unescape(value) for key, value in fields.items()})
    assert response.status_code == 302 and response.url == "/leads/marketplace/?status=received"
    assert Favorite.objects.filter(user=partner_admin, lead=lead).exists()
    assert 'aria-pressed="true"' in browser.get(response.url).content.decode()


@pytest.mark.django_db
def test_pages_and_fragments_are_cached_apart(admin_client, lead):
    for path in ("/leads/marketplace/", url("detail", lead)):
        assert "HX-Request" in admin_client.get(path)["Vary"]


@pytest.mark.django_db
def test_the_interface_speaks_czech_to_a_czech_browser(admin_client, lead):
    html = admin_client.get("/leads/marketplace/", HTTP_ACCEPT_LANGUAGE="cs").content.decode()
    assert '<html lang="cs">' in html and "Kvalifikované leady" in html and "Oblíbené" in html
    detail = admin_client.get(url("detail", lead), HTTP_ACCEPT_LANGUAGE="cs").content.decode()
    assert "Přijmout tento lead" in detail and "Odmítnout tento lead" in detail


@pytest.mark.django_db
def test_the_language_switcher_remembers_the_choice(admin_client):
    response = admin_client.post("/i18n/setlang/", {"language": "cs", "next": "/leads/qualified/"})
    assert response.status_code == 302 and response.url == "/leads/qualified/"
    assert "Kvalifikované leady" in admin_client.get("/leads/qualified/").content.decode()


@pytest.mark.django_db
def test_lead_page_queries_do_not_grow_with_history_or_team(
    admin_client, org, partner_admin, django_assert_max_num_queries
):
    from leads.services import lead_add_team_member, lead_update_deal

    lead = AcceptedLeadFactory(partner=org)
    admin_client.get(url("detail", lead))
    lead_add_team_member(lead=lead, by=partner_admin, name="First", email="first@contoso.example")
    few = _list_queries(admin_client, url("detail", lead))  # just changed: the tab counts are counted again
    for index in range(15):
        lead_add_team_member(lead=lead, by=partner_admin, name=f"M{index}", email=f"m{index}@contoso.example")
        lead_update_deal(lead=lead, by=partner_admin, notes=f"note {index}")
    # session, user, the lead, two waiting counts, its history, its team
    with django_assert_max_num_queries(7):
        assert _list_queries(admin_client, url("detail", lead)) == few


@pytest.mark.django_db
def test_a_received_lead_s_page_does_not_look_for_a_team(admin_client, lead):
    """A received lead has no deal yet, so no team to show: its page, the one opened most, does not read one."""
    accepted = AcceptedLeadFactory(partner=lead.partner)
    for shown, page in ((False, lead), (True, accepted)):
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url("detail", page)).status_code == 200
        assert any("leads_teammember" in query["sql"] for query in queries) is shown


CZECH_MONTHS = "ledna února března dubna května června července srpna září října listopadu prosince".split()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "cs"])
def test_each_row_shows_its_own_day_and_countdown(admin_client, org, language):
    """Rows that share a day and rows that do not: each names the day it came, in the page's language."""
    noon = (timezone.now() - timedelta(days=3)).replace(hour=12, minute=0, second=0, microsecond=0)
    times = [noon + timedelta(hours=1), noon, noon - timedelta(days=1), noon - timedelta(days=2, hours=1)]
    leads = [LeadFactory(partner=org, received_at=at) for at in times]
    html = admin_client.get("/leads/marketplace/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for lead, at in zip(leads, times, strict=True):
        row = re.search(rf'<li class="lead-row[^"]*" data-lead="{lead.pk}">.*?</li>', html, re.DOTALL).group(0)
        day = at.strftime("%b") if language == "en" else CZECH_MONTHS[at.month - 1]
        text = f"{at.day} {day} {at.year}" if language == "en" else f"{at.day}. {day} {at.year}"
        assert f'<time datetime="{at.isoformat()}">{text}</time>' in row
        assert re.search(r"\d+ d \d+ h left</span>" if language == "en" else r"zbývá \d+ d \d+ h</span>", row)


@pytest.mark.django_db
def test_the_list_offers_a_csv_export_of_what_it_shows(admin_client, org):
    LeadFactory(partner=org, customer=CustomerFactory(company="Northwind"))
    page = admin_client.get(reverse("leads:qualified"), {"status": "received", "q": "north", "page": "2"})
    link = '/leads/qualified/export.csv?status=received&amp;q=north"'
    assert link in page.content.decode()


@pytest.mark.django_db
def test_partner_admins_find_the_api_tokens_from_their_profile(admin_client):
    assert reverse("tokens:list") in admin_client.get(reverse("profiles:profile")).content.decode()
