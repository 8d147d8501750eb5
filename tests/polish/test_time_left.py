"""Issue 19 item 2: "least time left" lists waiting leads first (least time left first), then the rest newest
first (DESIGN §5), in two keyset phases that each walk an index, on every page and through the API."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from leads.models import Status
from leads.pagination import paginate
from leads.selectors import ListFilters, lead_list_for
from tests.factories import AcceptedLeadFactory, CustomerFactory, LeadFactory
from tests.polish.helpers import api

pytestmark = pytest.mark.django_db
STATUSES = [Status.RECEIVED, Status.ACCEPTED, Status.WON, Status.EXPIRED, Status.RECEIVED, Status.LOST, Status.DECLINED]


def _mixed(org, count: int) -> list:
    """Leads of every status, received over the last 13 days, several sharing a time (ties split pages)."""
    now = timezone.now()
    leads = []
    for index in range(count):
        status = STATUSES[index % len(STATUSES)]
        factory = AcceptedLeadFactory if status in (Status.ACCEPTED, Status.WON, Status.LOST) else LeadFactory
        leads.append(
            factory(
                partner=org,
                status=status,
                received_at=now - timedelta(hours=(index // 2) * 7),
                customer=CustomerFactory(company=f"Company {index:02d}"),
            )
        )
    return leads


def _expected(leads) -> list:
    waiting = sorted(
        (lead for lead in leads if lead.status == Status.RECEIVED), key=lambda each: (each.received_at, each.pk)
    )
    rest = sorted(
        (lead for lead in leads if lead.status != Status.RECEIVED),
        key=lambda each: (each.received_at, each.pk),
        reverse=True,
    )
    return [lead.pk for lead in waiting + rest]


def _walk(user, limit, statuses=()):
    ids, cursor, pages = [], None, 0
    while True:
        page = paginate(
            lead_list_for(user, tab="marketplace", filters=ListFilters(sort="time_left")),
            sort="time_left",
            cursor=cursor,
            limit=limit,
            statuses=statuses,
        )
        ids += [lead.pk for lead in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            return ids, pages
        assert pages < 200


def test_waiting_leads_come_first_by_least_time_left_then_the_rest_newest_first(org, partner_admin):
    leads = _mixed(org, 9)
    whole = list(
        lead_list_for(partner_admin, tab="marketplace", filters=ListFilters(sort="time_left")).values_list(
            "pk", flat=True
        )
    )
    assert whole == _expected(leads)  # the whole list (the CSV export reads it so)
    first = paginate(
        lead_list_for(partner_admin, tab="marketplace", filters=ListFilters(sort="time_left")),
        sort="time_left",
        cursor=None,
        limit=4,
    ).items
    assert [lead.status for lead in first[:3]] == [Status.RECEIVED] * 3
    assert first[0].received_at < first[1].received_at  # the oldest waiting lead has the least time left
    assert first[3].status != Status.RECEIVED and first[3].pk == _expected(leads)[3]  # the newest of the rest


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 8, 100])
def test_every_page_size_crosses_the_phase_boundary_in_order(org, other_org, partner_admin, limit):
    leads = _mixed(org, 29)
    _mixed(other_org, 4)
    walked, _pages = _walk(partner_admin, limit)
    assert walked == _expected(leads)


def test_deep_pages_in_the_second_phase_stay_in_order(org, partner_admin):
    leads = _mixed(org, 70)
    walked, pages = _walk(partner_admin, 3)
    assert walked == _expected(leads) and pages == 24


def test_a_status_filter_queries_only_the_phase_it_can_be_in(org, partner_admin, django_assert_num_queries):
    leads = _mixed(org, 14)
    waiting = [
        lead.pk for lead in sorted(leads, key=lambda each: (each.received_at, each.pk)) if lead.status == "received"
    ]
    listing = lead_list_for(
        partner_admin, tab="marketplace", filters=ListFilters(sort="time_left", statuses=("received",))
    )
    with django_assert_num_queries(1):
        page = paginate(listing, sort="time_left", cursor=None, limit=25, statuses=["received"])
    assert [lead.pk for lead in page.items] == waiting


def test_the_api_pages_by_time_left_across_the_boundary(org, partner_admin):
    leads = _mixed(org, 11)
    walked, params = [], {"sort": "time_left", "limit": 2}
    while True:
        body = api(partner_admin, "get", "/leads", **params).json()
        walked += [item["id"] for item in body["items"]]
        if not body["next_cursor"]:
            break
        params["cursor"] = body["next_cursor"]
    assert walked == [str(pk) for pk in _expected(leads)]


def test_the_web_list_sorts_by_time_left_and_pages_on(client, org, partner_admin):
    leads = _mixed(org, 31)
    client.force_login(partner_admin)
    names = {lead.pk: lead.customer.company for lead in leads}
    expected = [names[pk] for pk in _expected(leads)]
    html = client.get("/leads/marketplace/", {"sort": "time_left"}).content.decode()
    shown = re.findall(r'class="lead-company"[^>]*>([^<]+)</a>', html)
    assert shown == expected[:25]
    following = unescape(re.search(r'rel="next" href="([^"]+)"', html).group(1))
    rest = re.findall(r'class="lead-company"[^>]*>([^<]+)</a>', client.get(following).content.decode())
    assert rest == expected[25:]
    numbered = client.get("/leads/marketplace/", {"sort": "time_left", "page": "2"}).content.decode()
    assert re.findall(r'class="lead-company"[^>]*>([^<]+)</a>', numbered) == expected[25:]
