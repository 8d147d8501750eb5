"""Lists at scale: queries per page independent of row count, and keyset pages that neither skip nor repeat a lead."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import leads.web.lists
from leads.models import Favorite, LeadType, Status
from leads.pagination import paginate
from leads.selectors import ListFilters, lead_list_for, lead_waiting_counts
from profiles.api_tokens import api_token_issue
from tests.factories import AcceptedLeadFactory, LeadFactory

URL = "/leads/marketplace/"
FRAGMENT = {"HX-Request": "true", "HX-Target": "lead-results"}


def _varied_leads(org, user, count: int) -> None:
    """`count` marketplace leads in every state a row can show: waiting, hot, accepted with a deal, archived, hearted."""
    now = timezone.now()
    for index in range(count):
        received_at = now - timedelta(hours=index * 7)
        if index % 4 == 1:
            lead = AcceptedLeadFactory(partner=org, received_at=received_at)
        elif index % 4 == 2:
            lead = LeadFactory(partner=org, received_at=received_at, status=Status.DECLINED, reason="no_budget")
        else:
            lead = LeadFactory(partner=org, received_at=received_at, contact_requested=index % 3 == 0)
        if index % 5 == 0:
            Favorite.objects.create(user=user, lead=lead)
    LeadFactory(partner=org, lead_type=LeadType.SALES_QUALIFIED)


def _page(client, headers=None) -> tuple[int, int]:
    client.get(URL, headers=headers)  # first request of a test warms per-process caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, headers=headers)
    assert response.status_code == 200
    return len(captured), response.content.decode().count("data-lead=")


@pytest.mark.django_db
def test_list_page_costs_the_same_queries_for_3_rows_and_100_rows(client, org, partner_admin, monkeypatch):
    monkeypatch.setattr(leads.web.lists, "PAGE_SIZE", 100)
    client.force_login(partner_admin)
    _varied_leads(org, partner_admin, 3)
    few_full, few_rows = _page(client)
    few_fragment, _ = _page(client, FRAGMENT)
    _varied_leads(org, partner_admin, 110)
    many_full, many_rows = _page(client)
    many_fragment, fragment_rows = _page(client, FRAGMENT)

    assert (few_rows, many_rows, fragment_rows) == (3, 100, 100)
    assert many_full == few_full <= 7
    assert many_fragment == few_fragment <= 5


@pytest.mark.django_db
def test_list_page_queries_at_25_and_100_rows_are_equal(client, org, partner_admin, monkeypatch):
    client.force_login(partner_admin)
    _varied_leads(org, partner_admin, 105)
    counts = {}
    for size in (25, 100):
        monkeypatch.setattr(leads.web.lists, "PAGE_SIZE", size)
        counts[size] = (_page(client), _page(client, FRAGMENT))
    assert counts[25][0][1] == 25 and counts[100][0][1] == 100
    assert counts[25][0][0] == counts[100][0][0]
    assert counts[25][1][0] == counts[100][1][0]


@pytest.mark.django_db
def test_api_list_costs_the_same_queries_for_5_and_100_items(client, org, partner_admin):
    _varied_leads(org, partner_admin, 105)
    _token, plain = api_token_issue(user=partner_admin, name="scale")
    headers = {"Authorization": f"Bearer {plain}"}
    client.get("/api/v1/leads", headers=headers)  # the token's first use records when it was used
    counts = {}
    for limit in (5, 100):
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/leads", {"tab": "marketplace", "limit": limit}, headers=headers)
        assert response.status_code == 200
        assert len(response.json()["items"]) == limit
        counts[limit] = len(captured)
    assert counts[5] == counts[100]


@pytest.mark.django_db
def test_waiting_counts_are_one_query_and_count_only_received_leads(
    org, other_org, partner_admin, other_admin, django_assert_num_queries
):
    waiting = LeadFactory.create_batch(3, partner=org)
    LeadFactory(partner=org, lead_type=LeadType.MARKETING_QUALIFIED)
    AcceptedLeadFactory(partner=org)
    LeadFactory(partner=org, status=Status.EXPIRED)
    LeadFactory.create_batch(2, partner=other_org)
    Favorite.objects.create(user=partner_admin, lead=waiting[0])
    Favorite.objects.create(user=other_admin, lead=waiting[1])  # another user's heart: not counted

    with django_assert_num_queries(1):
        counts = lead_waiting_counts(partner_admin)
    assert counts == {"marketplace": 3, "qualified": 1, "favorites": 1}


@pytest.mark.django_db
def test_waiting_counts_follow_the_tenant_gate(org, other_org, ops_user, outsider, django_user_model):
    LeadFactory.create_batch(2, partner=org)
    LeadFactory(partner=other_org, lead_type=LeadType.MARKETING_QUALIFIED)
    LeadFactory(partner=other_org, status=Status.DECLINED)
    inactive = django_user_model.objects.create_user("gone", is_staff=True, is_active=False)

    assert lead_waiting_counts(ops_user) == {"marketplace": 2, "qualified": 1, "favorites": 0}  # every partner's
    assert lead_waiting_counts(outsider) == {"marketplace": 0, "qualified": 0, "favorites": 0}
    assert lead_waiting_counts(inactive) == {"marketplace": 0, "qualified": 0, "favorites": 0}


def _tied_leads(org, count: int) -> None:
    """Leads in groups of three received at the same instant, so the id must break every tie exactly."""
    now = timezone.now()
    for index in range(count):
        LeadFactory(partner=org, received_at=now - timedelta(minutes=index // 3))


def _walk(user, sort: str, limit: int, tab=None, statuses=()) -> list:
    ids, cursor, pages = [], None, 0
    while True:
        page = paginate(
            lead_list_for(user, tab=tab, filters=ListFilters(sort=sort, statuses=tuple(statuses))),
            sort=sort,
            cursor=cursor,
            limit=limit,
        )
        ids += [lead.pk for lead in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            return ids
        assert pages < 100, "the walk never ends"


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["newest", "time_left"])
def test_keyset_walk_visits_every_lead_once_in_order_past_the_first_pages(org, other_org, partner_admin, sort):
    _tied_leads(org, 61)
    LeadFactory.create_batch(3, partner=other_org)
    expected = list(
        lead_list_for(partner_admin, tab="marketplace", filters=ListFilters(sort=sort)).values_list("pk", flat=True)
    )

    walked = _walk(partner_admin, sort, 4, tab="marketplace")

    assert len(expected) == 61
    assert walked == expected  # 16 pages: every tie group is split across a page boundary at least once


@pytest.mark.django_db
def test_keyset_walk_with_a_status_filter_keeps_only_matching_leads(org, partner_admin):
    _tied_leads(org, 30)
    accepted = AcceptedLeadFactory.create_batch(9, partner=org)
    walked = _walk(partner_admin, "newest", 2, tab="marketplace", statuses=["accepted"])
    assert sorted(walked) == sorted(lead.pk for lead in accepted)
    assert len(walked) == len(set(walked))


@pytest.mark.django_db
def test_api_cursor_walk_matches_the_full_list(client, org, partner_admin):
    _tied_leads(org, 23)
    _token, plain = api_token_issue(user=partner_admin, name="scale")
    headers = {"Authorization": f"Bearer {plain}"}
    walked, params = [], {"tab": "marketplace", "limit": 5}
    while True:
        body = client.get("/api/v1/leads", params, headers=headers).json()
        walked += [item["id"] for item in body["items"]]
        if not body["next_cursor"]:
            break
        params["cursor"] = body["next_cursor"]
    expected = [str(pk) for pk in lead_list_for(partner_admin, tab="marketplace").values_list("pk", flat=True)]
    assert walked == expected
