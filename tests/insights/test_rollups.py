"""The daily rollups: kept current by the events after each change commits, and equal to a rebuild from the leads
after a realistic mix of lifecycle actions (create, accept, decline, edit, win, lose, the expiry job, reroute)."""

import io
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from insights.models import COUNT_COLUMNS, PartnerDay, PartnerDayTotal
from insights.period import Period
from insights.rollups import rollup_keys_of, rollups_rebuild, rollups_refresh, rollups_refresh_leads
from insights.selectors import insights_for
from insights.tasks import rebuild_insights_rollups
from leadhub.celery import app as celery_app
from leads import services
from leads.events import follow_up
from leads.models import Lead, LeadType, Status
from tests.db import wait_until_another_connection_waits_for_a_lock
from tests.factories import LeadFactory, MembershipFactory, UserFactory
from tests.routing.factories import routed_partner

pytestmark = pytest.mark.django_db
CUSTOMER = {
    "company": "Northwind",
    "contact_name": "Jana Nováková",
    "email": "jana@northwind.example",
    "company_size": "10-49",
    "country": "CZ",
    "city": "Praha",
}
EVERYTHING = Period(start=date(2000, 1, 1), end=date(2099, 12, 31))


@pytest.fixture
def partners(settings):
    settings.LEADHUB_AUTO_REROUTE = False  # the test reroutes by hand, so it knows which leads exist
    return [routed_partner(slug) for slug in ("brno-cloud", "praha-cloud", "ostrava-it")]


def admin_of(partner):
    return MembershipFactory(organisation=partner, user=UserFactory(), role="partner_admin").user


def snapshot() -> tuple[list, list]:
    days = PartnerDay.objects.values_list("partner_id", "day", *COUNT_COLUMNS, "answer_seconds")
    totals = PartnerDayTotal.objects.values_list("partner_id", "day", "kind", "key", "leads", "value")
    return sorted(days), sorted(totals)


@pytest.fixture
def celery_eager():
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    celery_app.conf.update(task_always_eager=False, task_eager_propagates=False)


@pytest.fixture
def run(django_capture_on_commit_callbacks, celery_eager):
    """Run one change as a request would: its own transaction, then what waits for the commit."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                return action(*args, **kwargs)

    return run


def test_incremental_rollups_equal_a_rebuild_after_every_kind_of_change(ops_user, partners, run):
    now = timezone.now()
    brno, praha, ostrava = partners
    admins = {partner.pk: admin_of(partner) for partner in partners}

    def create(partner, days_ago, hours_ago=0, lead_type=LeadType.SALES_QUALIFIED):
        received_at = now - timedelta(days=days_ago, hours=hours_ago)
        return run(
            services.lead_create,
            by=ops_user,
            partner=partner,
            lead_type=lead_type,
            customer=CUSTOMER,
            need="Cloud",
            received_at=received_at,
        )

    def accept(lead, value, currency):
        deal = {"deal_name": "Migration", "deal_value": value, "currency": currency}
        deal["estimated_close_date"] = (now + timedelta(days=30)).date().isoformat()
        return run(services.lead_accept, lead=lead.pk, by=admins[lead.partner_id], **deal)

    leads = [
        create(brno, 0, 1),
        create(brno, 0, 3, LeadType.CUSTOMER_INQUIRY),
        create(brno, 1, 2),
        create(brno, 3, 0, LeadType.MARKETING_QUALIFIED),
        create(praha, 1, 5),
        create(praha, 2, 1, LeadType.CUSTOMER_INQUIRY),
        create(praha, 3, 4),
        create(ostrava, 0, 2),
        create(brno, 20, 1),  # left unanswered: the expiry job takes these three in one batch
        create(praha, 21, 3),
        create(ostrava, 25, 0, LeadType.MARKETING_QUALIFIED),
    ]
    accept(leads[0], "1000.00", "EUR")
    accept(leads[2], "250.50", "CZK")
    accept(leads[4], "99.99", "USD")
    accept(leads[6], "5000.00", "EUR")
    run(services.lead_decline, lead=leads[1].pk, by=admins[brno.pk], reason="not_a_fit")
    run(services.lead_decline, lead=leads[5].pk, by=admins[praha.pk], reason="no_budget")
    run(services.lead_decline, lead=leads[7].pk, by=admins[ostrava.pk], reason="not_a_fit")
    run(services.lead_update_deal, lead=leads[2].pk, by=admins[brno.pk], deal_value="300.00", currency="EUR")
    run(services.lead_win, lead=leads[0].pk, by=admins[brno.pk])
    run(services.lead_lose, lead=leads[4].pk, by=admins[praha.pk], reason="no_budget")
    run(services.lead_add_team_member, lead=leads[6].pk, by=admins[praha.pk], name="Eva", email="eva@praha.example")
    assert run(services.leads_expire_overdue) == 3
    successor = run(services.lead_reroute, lead=leads[7].pk, by=ops_user)
    assert successor.partner_id != ostrava.pk

    incremental = snapshot()
    rollups_rebuild()
    assert snapshot() == incremental
    days, totals = incremental
    assert sum(sum(row[2:8]) for row in days) == Lead.objects.count() == 12
    figures = insights_for(ops_user, period=EVERYTHING)
    assert figures.by_status == {"received": 2, "accepted": 2, "won": 1, "lost": 1, "declined": 3, "expired": 3}
    assert figures.pipeline_value == {"EUR": Decimal("5300.00")}
    assert figures.won_value == {"EUR": Decimal("1000.00")}
    assert figures.decline_reasons == {"not_a_fit": 2, "no_budget": 1}
    assert sum(figures.answer_histogram) == 7


def test_a_change_shows_in_the_insights_once_it_commits_and_not_after_a_rollback(ops_user, partners, run):
    brno = partners[0]
    lead = run(
        services.lead_create, by=ops_user, partner=brno, lead_type="sales_qualified", customer=CUSTOMER, need="x"
    )
    assert insights_for(ops_user, period=EVERYTHING).by_status[Status.RECEIVED] == 1
    admin = admin_of(brno)
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.lead_decline(lead=lead.pk, by=admin, reason="not_a_fit")
            raise RuntimeError("the request failed after the decline")
    assert insights_for(ops_user, period=EVERYTHING).by_status[Status.DECLINED] == 0
    run(services.lead_decline, lead=lead.pk, by=admin, reason="not_a_fit")
    figures = insights_for(ops_user, period=EVERYTHING)
    assert figures.by_status[Status.DECLINED] == 1 and figures.by_status[Status.RECEIVED] == 0
    assert figures.decline_reasons == {"not_a_fit": 1}


def test_the_expiry_jobs_batch_refreshes_its_days_in_one_task_after_its_commit(
    org, other_org, ops_user, celery_eager, django_capture_on_commit_callbacks
):
    old = timezone.now() - timedelta(days=30)
    leads = [LeadFactory(partner=partner, received_at=old) for partner in (org, org, other_org)]
    rollups_refresh_leads([lead.pk for lead in leads])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.leads_expire_overdue(batch_size=10) == 3
    assert [callback.func for callback in callbacks].count(follow_up.apply_async) == 1
    assert insights_for(ops_user, period=EVERYTHING).by_status[Status.EXPIRED] == 3


def test_the_nightly_job_and_the_command_rebuild_what_was_written_without_events(org, ops_user):
    assert (
        settings.CELERY_BEAT_SCHEDULE["rebuild-insights-rollups"]["task"] == "insights.tasks.rebuild_insights_rollups"
    )
    LeadFactory(partner=org, status=Status.RECEIVED)  # written directly (an import, seed_bulk): no event
    assert insights_for(ops_user, period=EVERYTHING).leads == 0
    assert rebuild_insights_rollups() == (1, 0)
    assert insights_for(ops_user, period=EVERYTHING).leads == 1
    LeadFactory(partner=org, status=Status.RECEIVED)
    out = io.StringIO()
    call_command("insights_rebuild", stdout=out)
    assert "Rebuilt" in out.getvalue()
    assert insights_for(ops_user, period=EVERYTHING).leads == 2


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_of_one_day_run_one_after_the_other_and_the_later_change_wins(org, ops_user):
    """A refresh holds its days until it commits: another refresh of the same day waits, then reads the change
    committed meanwhile, so a slow refresh never writes an older count over a newer one."""
    lead = LeadFactory(partner=org, status=Status.RECEIVED)
    key = rollup_keys_of([lead.pk])
    errors = []

    def later_change():
        try:
            Lead.objects.filter(pk=lead.pk).update(status=Status.EXPIRED)  # committed at once (autocommit)
            rollups_refresh(key)
        except BaseException as error:  # reported on the test's thread
            errors.append(error)
        finally:
            connection.close()

    with transaction.atomic():
        rollups_refresh(key)  # reads the lead as received, and holds the day until this block commits
        thread = threading.Thread(target=later_change)
        thread.start()
        wait_until_another_connection_waits_for_a_lock(who="the second refresh")
    thread.join()
    assert not errors
    assert insights_for(ops_user, period=EVERYTHING).by_status == {
        **dict.fromkeys(Status.values, 0),
        Status.EXPIRED: 1,
    }
