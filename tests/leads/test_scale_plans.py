"""On a seeded table of 10,000 leads: a realistic data mix, and query plans that walk the indexes meant for them."""

import io
import re
import uuid
from datetime import timedelta

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads import services
from leads.management.bulk_writers import SEARCH_COLUMNS, CopySender, CopyWriter
from leads.models import SEARCHED_FIELDS, Favorite, Lead, LeadEvent, LeadSearch, search_text
from leads.pagination import paginate
from leads.selectors import ListFilters, lead_list_for, lead_waiting_counts
from profiles.models import Organisation

LEADS = 10_000


@pytest.fixture
def seeded(db):
    call_command("seed_bulk", leads=LEADS, partners=10, stdout=io.StringIO())
    largest = Organisation.objects.get(slug="bulk-000")
    return get_user_model().objects.get(username="bulk-000-admin"), largest


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _plans_of(run) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        run()
    return [
        _plan(query["sql"])
        for query in captured.captured_queries
        if query["sql"].lstrip().upper().startswith(("SELECT", "WITH", "UPDATE"))
    ]


def test_seed_bulk_loads_a_realistic_mix(seeded):
    _user, largest = seeded
    assert Lead.objects.count() == LEADS
    per_partner = sorted(Lead.objects.values("partner").annotate(n=Count("pk")).values_list("n", flat=True))
    assert len(per_partner) == 10
    assert Lead.objects.filter(partner=largest).count() == per_partner[-1]
    assert 0.18 * LEADS < per_partner[-1] < 0.22 * LEADS  # one partner holds a fifth of all leads
    statuses = dict(Lead.objects.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    assert set(statuses) == {"received", "accepted", "won", "lost", "declined", "expired"}
    assert set(Lead.objects.values_list("lead_type", flat=True)) == {
        "customer_inquiry",
        "marketing_qualified",
        "sales_qualified",
    }
    assert Lead.objects.filter(is_hot=True).exists()
    assert Favorite.objects.exists()
    # Every lead has its creation and, when archived or accepted, the event that got it there.
    events = dict(LeadEvent.objects.values("action").annotate(n=Count("pk")).values_list("action", "n"))
    assert events["create"] == LEADS
    assert events["expire"] == statuses["expired"]
    assert events["decline"] == statuses["declined"]
    assert events["accept"] == statuses["accepted"] + statuses["won"] + statuses["lost"]
    cutoff = timezone.now() - timedelta(days=14)
    assert not Lead.objects.filter(status="received", received_at__lt=cutoff).exists()  # the job has kept up


def test_seed_bulk_partners_have_profiles_routing_can_choose_between(seeded):
    from profiles.models import BusinessProfile
    from routing import snapshot
    from routing.scoring import LeadRequest
    from routing.selectors import partners_match

    profiles = BusinessProfile.objects.filter(organisation__slug__startswith="bulk-").prefetch_related("locations")
    assert profiles.count() == 10
    for profile in profiles:
        assert len(profile.keywords) >= 3 and profile.company_sizes and profile.locations.exists()
    assert len({tuple(sorted(profile.keywords)) for profile in profiles}) > 5  # not one profile ten times
    snapshot.forget()
    chosen = set()
    for profile in profiles:
        place = profile.locations.first()
        request = LeadRequest(need=f"We need {profile.keywords[0]}", country=place.country)
        chosen.add(partners_match(request, limit=1)[0].slug)
    assert len(chosen) > 2  # different needs and places go to different partners


def test_seed_bulk_writes_every_lead_s_search_row_as_the_services_would(seeded):
    user, largest = seeded
    written = dict(LeadSearch.objects.values_list("lead_id", "text"))
    expected = {lead_id: search_text(*values) for lead_id, *values in Lead.objects.values_list("pk", *SEARCHED_FIELDS)}
    assert written == expected
    lead = Lead.objects.filter(partner=largest).select_related("customer").first()
    assert list(
        lead_list_for(user, filters=ListFilters(q=lead.customer.email.upper())).values_list("pk", flat=True)
    ) == [lead.pk]


def test_a_rare_search_term_is_looked_up_in_the_trigram_index(seeded):
    """Among 10,000 leads a term that one lead has is found through the index, not by reading every lead."""
    user, largest = seeded
    email = Lead.objects.filter(partner=largest).select_related("customer").first().customer.email
    plan = lead_list_for(user, tab=None, filters=ListFilters(q=email))[:25].explain()
    assert "lead_search_trgm_idx" in plan, plan
    assert "Seq Scan on leads_lead " not in plan and "Seq Scan on leads_leadsearch" not in plan, plan


def test_tab_list_walks_the_tab_index_in_order(seeded):
    user, _largest = seeded
    plan = lead_list_for(user, tab="marketplace", filters=ListFilters(sort="newest"))[:25].explain()
    assert "lead_tab_idx" in plan, plan
    assert "Seq Scan on leads_lead" not in plan and "Sort" not in plan, plan


def test_time_left_pages_walk_the_waiting_index_then_the_tab_index(seeded):
    """Phase one (waiting leads, least time left first) on the partial index of received leads, phase two (the
    rest, newest first) on the tab's index: no sort of the tab on any page, however deep."""
    user, _largest = seeded
    leads = lead_list_for(user, tab="marketplace", filters=ListFilters(sort="time_left"))
    waiting = leads.filter(status="received").count()
    assert 0 < waiting < 1000
    first_plans = _plans_of(lambda: paginate(leads, sort="time_left", cursor=None, limit=25))
    assert any("lead_waiting_idx" in plan or "lead_received_due_idx" in plan for plan in first_plans), first_plans
    deep = paginate(leads, sort="time_left", cursor=None, limit=waiting + 500).next_cursor  # well into phase two
    (deep_plan,) = _plans_of(lambda: paginate(leads, sort="time_left", cursor=deep, limit=25))
    for plan in first_plans:  # the phase of received leads reads only them (a few rows may be re-sorted by id)
        assert "Seq Scan on leads_lead" not in plan and not re.search(r"(?<!Incremental )Sort  \(", plan), plan
    assert "Seq Scan on leads_lead" not in deep_plan and "Sort" not in deep_plan, deep_plan
    index_condition = next(line for line in deep_plan.splitlines() if "Index Cond" in line and "received_at" in line)
    assert "received_at <=" in index_condition, deep_plan


def test_deal_value_page_walks_its_index_and_counts_without_joining_customers(seeded, client):
    user, _largest = seeded
    plan = lead_list_for(user, tab="marketplace", filters=ListFilters(sort="deal_value"))[:25].explain()
    assert "lead_tab_deal_value_idx" in plan, plan
    assert "Seq Scan on leads_lead" not in plan and "Sort" not in plan, plan

    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/leads/marketplace/", {"sort": "deal_value", "page": "2"})
    assert response.status_code == 200 and response.content.decode().count("data-lead=") == 25
    # The paginator's count of the tab (Django names it "__count").
    (count_sql,) = [query["sql"] for query in captured.captured_queries if '"__count"' in query["sql"]]
    assert "leads_customer" not in count_sql, count_sql
    assert "Seq Scan on leads_lead" not in _plan(count_sql)


def test_ops_staff_lists_across_partners_walk_the_received_index(seeded, admin_client):
    ops = get_user_model().objects.create_user("ops-plans", is_staff=True)
    plan = lead_list_for(ops, tab="marketplace")[:25].explain()
    assert "lead_received_idx" in plan, plan
    assert "Seq Scan on leads_lead" not in plan and "Sort" not in plan, plan

    with CaptureQueriesContext(connection) as captured:
        response = admin_client.get("/admin/leads/lead/")
    assert response.status_code == 200
    (rows_sql,) = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith('SELECT "leads_lead"."id"') and "LIMIT 100" in query["sql"]
    ]
    rows_plan = _plan(rows_sql)
    assert "lead_received_idx" in rows_plan and "Sort" not in rows_plan, rows_plan
    assert not any("DATE_TRUNC" in query["sql"] for query in captured.captured_queries)  # no date hierarchy


def test_waiting_filter_and_counts_use_the_partial_index_of_received_leads(seeded):
    user, _largest = seeded
    plan = lead_list_for(user, tab="marketplace", filters=ListFilters(statuses=("received",)))[:25].explain()
    # Either index of received leads only; which one wins depends on how many of them there are.
    assert "lead_waiting_idx" in plan or "lead_received_due_idx" in plan, plan
    assert "Seq Scan on leads_lead" not in plan, plan
    (counts_plan,) = _plans_of(lambda: lead_waiting_counts(user))
    assert "lead_waiting_idx" in counts_plan or "lead_received_due_idx" in counts_plan, counts_plan
    assert "Seq Scan on leads_lead" not in counts_plan, counts_plan


def test_a_deep_keyset_page_starts_its_index_scan_at_the_cursor(seeded):
    user, _largest = seeded
    leads = lead_list_for(user, tab="marketplace")
    cursor = paginate(leads, sort="newest", cursor=None, limit=500).next_cursor  # the 21st page of 25
    (page_plan,) = _plans_of(lambda: paginate(leads, sort="newest", cursor=cursor, limit=25))
    index_condition = next(line for line in page_plan.splitlines() if "Index Cond" in line)
    assert "received_at <=" in index_condition, page_plan


def test_expiry_and_hot_jobs_scan_their_partial_indexes(seeded):
    now = timezone.now()
    expire_plans = _plans_of(lambda: services.leads_expire_overdue(now=now))
    assert any("lead_received_due_idx" in plan for plan in expire_plans)
    assert not any("Seq Scan on leads_lead" in plan for plan in expire_plans)
    cool_plans = _plans_of(lambda: services.leads_cool_hot(now=now))
    assert any("lead_hot_idx" in plan for plan in cool_plans)
    assert not any("Seq Scan on leads_lead" in plan for plan in cool_plans)


@pytest.mark.django_db(transaction=True)
def test_a_chunk_postgresql_refuses_fails_the_load_when_it_closes_and_loads_nothing():
    """seed_bulk's COPY chunks go out from a thread of their own: a refused one still fails the command."""
    with pytest.raises(psycopg.errors.DataError), transaction.atomic(), connection.cursor() as cursor:
        sender = CopySender(cursor)
        writer = CopyWriter(cursor, LeadSearch._meta.db_table, SEARCH_COLUMNS, sender=sender)
        writer.add(str(uuid.uuid4()), "fine")
        writer.flush()
        writer.add("not-a-uuid", "refused")
        writer.close()
        sender.close()
    assert not LeadSearch.objects.exists()


def test_the_insights_refresh_of_an_expiry_batch_reads_each_day_once_along_the_received_index(seeded):
    """The task a worker runs after each expiry batch: one range of lead_received_idx per day the batch's leads were
    received on, not one lookup per (partner, day), which walked a partner's part of lead_tab_idx."""
    from insights.rollups import rollup_keys_of, rollups_refresh_leads

    batch = list(Lead.objects.order_by("received_at").values_list("pk", flat=True)[:1000])
    keys = rollup_keys_of(batch)
    days = {day for _partner, day in keys}
    assert len(keys) > len(days)  # several partners on some day
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        rollups_refresh_leads(batch)
        transaction.set_rollback(True)
    reads = [query["sql"] for query in captured.captured_queries if '"received_at" >= ' in query["sql"]]
    assert len(reads) == 3  # statuses and answers, pipeline and won values, decline reasons
    for sql in reads:
        assert sql.count('"received_at" >= ') == len(days)
        plan = _plan(sql)
        assert "lead_received_idx" in plan and "lead_tab_idx" not in plan, plan
