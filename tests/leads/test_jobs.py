"""The periodic jobs: expiry and hot flag at their boundaries, run twice, run at once, and racing a person."""

import base64
import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
import time_machine
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from leadhub.celery import app as celery_app
from leads import events, services
from leads.events import follow_up
from leads.exceptions import LeadConflict
from leads.models import EventAction, Lead, LeadEvent, Status
from leads.services import jobs
from leads.tasks import cool_hot_leads, expire_overdue_leads
from tests.db import wait_until_another_connection_waits_for_a_lock
from tests.factories import AcceptedLeadFactory, LeadFactory

RECEIVED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
FUTURE = (timezone.now() + timedelta(days=30)).date()


def status_of(lead) -> str:
    return Lead.objects.values_list("status", flat=True).get(pk=lead.pk)


def actions_of(lead) -> list[str]:
    return list(LeadEvent.objects.filter(lead=lead).order_by("at", "id").values_list("action", flat=True))


def queued_kwargs(task_name: str) -> list[dict]:
    """The keyword arguments of every `task_name` message waiting in the real Redis queue."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    found = []
    for raw in client.lrange("celery", 0, -1):
        message = json.loads(raw)
        if message["headers"]["task"] == task_name:
            _args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            found.append(kwargs)
    return found


def queued_expiries() -> list[list[str]]:
    """The expired leads of each waiting follow-up message that has some (one per committed batch of the job)."""
    batches = [
        [lead_id for action, lead_id, *_rest in message["happenings"] if action == EventAction.EXPIRE]
        for message in queued_kwargs("leads.events.follow_up")
    ]
    return [batch for batch in batches if batch]


@pytest.fixture
def empty_queue():
    celery_app.control.purge()
    yield
    celery_app.control.purge()


@pytest.mark.django_db
def test_lead_expires_at_14_days_and_not_an_hour_before(org):
    with time_machine.travel(RECEIVED, tick=False) as clock:
        lead = LeadFactory(partner=org, received_at=RECEIVED)
        answered = AcceptedLeadFactory(partner=org, received_at=RECEIVED)

        clock.move_to(RECEIVED + timedelta(days=13, hours=23))
        assert expire_overdue_leads() == 0
        assert status_of(lead) == Status.RECEIVED

        clock.move_to(RECEIVED + timedelta(days=14))
        assert expire_overdue_leads() == 1

    assert status_of(lead) == Status.EXPIRED
    assert status_of(answered) == Status.ACCEPTED
    event = LeadEvent.objects.get(lead=lead)
    assert (event.action, event.from_status, event.to_status) == (EventAction.EXPIRE, Status.RECEIVED, Status.EXPIRED)
    assert event.actor is None
    assert event.at == RECEIVED + timedelta(days=14)


@pytest.mark.django_db
def test_hot_flag_clears_at_72_hours_and_not_an_hour_before(org):
    with time_machine.travel(RECEIVED, tick=False) as clock:
        hot = LeadFactory(partner=org, received_at=RECEIVED, contact_requested=True)
        assert hot.is_hot

        clock.move_to(RECEIVED + timedelta(hours=71))
        assert cool_hot_leads() == 0
        assert Lead.objects.get(pk=hot.pk).is_hot

        clock.move_to(RECEIVED + timedelta(hours=72))
        assert cool_hot_leads() == 1

    cooled = Lead.objects.get(pk=hot.pk)
    assert not cooled.is_hot
    assert cooled.status == Status.RECEIVED  # cooling is not a decision: the lead stays open


@pytest.mark.django_db
def test_hot_flag_job_cools_open_leads_and_leaves_archived_ones_alone(org, partner_admin):
    with time_machine.travel(RECEIVED, tick=False) as clock:
        declined_while_hot = LeadFactory(partner=org, received_at=RECEIVED, contact_requested=True)
        accepted_while_hot = LeadFactory(partner=org, received_at=RECEIVED, contact_requested=True)
        services.lead_decline(lead=declined_while_hot, by=partner_admin, reason="not_a_fit")
        services.lead_accept(
            lead=accepted_while_hot,
            by=partner_admin,
            deal_name="Migration",
            deal_value="100",
            estimated_close_date=RECEIVED.date() + timedelta(days=30),
        )
        clock.move_to(RECEIVED + timedelta(hours=80))
        assert cool_hot_leads() == 1

    assert not Lead.objects.get(pk=accepted_while_hot.pk).is_hot
    assert status_of(declined_while_hot) == Status.DECLINED


@pytest.mark.django_db
def test_running_the_jobs_twice_changes_nothing_the_second_time(org, django_capture_on_commit_callbacks):
    with time_machine.travel(RECEIVED, tick=False) as clock:
        leads = [LeadFactory(partner=org, received_at=RECEIVED, contact_requested=True) for _ in range(5)]
        clock.move_to(RECEIVED + timedelta(days=4))
        assert services.leads_cool_hot(batch_size=2) == 5
        assert services.leads_cool_hot(batch_size=2) == 0

        clock.move_to(RECEIVED + timedelta(days=15))
        with django_capture_on_commit_callbacks() as first_run:
            assert services.leads_expire_overdue(batch_size=2) == 5
        with django_capture_on_commit_callbacks() as second_run:
            assert services.leads_expire_overdue(batch_size=2) == 0

    for lead in leads:
        assert actions_of(lead) == [EventAction.EXPIRE]
    follow_ups = [task for task in first_run if getattr(task, "func", None) == follow_up.apply_async]
    assert [len(task.keywords["kwargs"]["happenings"]) for task in follow_ups] == [2, 2, 1]  # one per batch
    assert second_run == []


@pytest.mark.django_db(transaction=True)
def test_two_expiry_runs_at_once_expire_each_lead_exactly_once(org, empty_queue):
    leads = LeadFactory.create_batch(40, partner=org, received_at=timezone.now() - timedelta(days=15))
    start = threading.Barrier(2)
    counts, errors = [], []

    def run_job():
        try:
            start.wait(timeout=10)
            counts.append(services.leads_expire_overdue(batch_size=3))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run_job) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sum(counts) == 40
    assert set(Lead.objects.values_list("status", flat=True)) == {Status.EXPIRED}
    per_lead = LeadEvent.objects.filter(action=EventAction.EXPIRE).values("lead").annotate(n=Count("id"))
    assert sorted(row["n"] for row in per_lead) == [1] * 40
    notified = [lead_id for batch in queued_expiries() for lead_id in batch]
    assert sorted(notified) == sorted(str(lead.pk) for lead in leads)


@pytest.mark.django_db(transaction=True)
def test_expiry_drains_a_backlog_on_several_connections_each_lead_once(org, empty_queue, monkeypatch):
    leads = LeadFactory.create_batch(45, partner=org, received_at=timezone.now() - timedelta(days=15))
    fresh = LeadFactory(partner=org)
    original, workers_seen = jobs._expire_batch, set()

    def slow_batch(**kwargs):
        workers_seen.add((threading.current_thread().name, connection.connection.info.backend_pid))
        ids = original(**kwargs)
        time.sleep(0.02)  # hold the rows a moment, so the other connections must work beside this one
        return ids

    monkeypatch.setattr(jobs, "_expire_batch", slow_batch)
    assert services.leads_expire_overdue(batch_size=4, workers=3) == 45

    assert len({name for name, _pid in workers_seen}) == 3 and len({pid for _name, pid in workers_seen}) == 3
    assert Lead.objects.filter(status=Status.EXPIRED).count() == 45 and status_of(fresh) == Status.RECEIVED
    per_lead = LeadEvent.objects.filter(action=EventAction.EXPIRE).values("lead").annotate(n=Count("id"))
    assert sorted(row["n"] for row in per_lead) == [1] * 45
    notified = [lead_id for batch in queued_expiries() for lead_id in batch]
    assert sorted(notified) == sorted(str(lead.pk) for lead in leads)


@pytest.mark.django_db(transaction=True)
def test_a_failing_helper_connection_fails_the_job_and_keeps_what_committed(org, monkeypatch):
    LeadFactory.create_batch(12, partner=org, received_at=timezone.now() - timedelta(days=15))
    original = jobs._expire_batch

    def failing_helper(**kwargs):
        if threading.current_thread().name != "MainThread":
            raise RuntimeError("connection lost")
        return original(**kwargs)

    monkeypatch.setattr(jobs, "_expire_batch", failing_helper)
    with pytest.raises(RuntimeError, match="connection lost"):
        services.leads_expire_overdue(batch_size=5, workers=2)
    assert Lead.objects.filter(status=Status.EXPIRED).count() == 12  # the calling thread still drained it all
    assert LeadEvent.objects.filter(action=EventAction.EXPIRE).count() == 12


@pytest.mark.django_db(transaction=True)
def test_job_skips_a_lead_a_person_is_accepting_and_their_decision_stands(org, partner_admin, empty_queue):
    being_accepted = LeadFactory(partner=org, received_at=timezone.now() - timedelta(days=15))
    forgotten = LeadFactory(partner=org, received_at=timezone.now() - timedelta(days=15))
    holding_lock, commit = threading.Event(), threading.Event()
    errors = []

    def person_accepts():
        try:
            with transaction.atomic():
                services.lead_accept(
                    lead=str(being_accepted.pk),
                    by=partner_admin,
                    deal_name="Migration",
                    deal_value="5000",
                    estimated_close_date=FUTURE,
                )
                holding_lock.set()
                commit.wait(timeout=10)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    person = threading.Thread(target=person_accepts)
    person.start()
    assert holding_lock.wait(timeout=10)
    started = time.monotonic()
    try:
        expired_meanwhile = services.leads_expire_overdue()
    finally:
        commit.set()
        person.join(timeout=10)

    assert time.monotonic() - started < 5, "the job waited for the person's lock instead of skipping the row"
    assert expired_meanwhile == 1
    assert errors == []
    assert services.leads_expire_overdue() == 0
    assert status_of(being_accepted) == Status.ACCEPTED
    assert actions_of(being_accepted) == [EventAction.ACCEPT]
    assert status_of(forgotten) == Status.EXPIRED
    assert queued_expiries() == [[str(forgotten.pk)]]


@pytest.mark.django_db(transaction=True)
def test_a_person_accepting_while_the_job_expires_the_lead_is_told_it_already_expired(org, partner_admin):
    lead = LeadFactory(partner=org, received_at=timezone.now() - timedelta(days=15))
    job_holds_rows, job_commit = threading.Event(), threading.Event()
    outcome = []

    def job_expires():
        try:
            with transaction.atomic():
                outcome.append(("job", services.leads_expire_overdue()))
                job_holds_rows.set()
                job_commit.wait(timeout=10)
        finally:
            connection.close()

    def person_accepts():
        try:
            services.lead_accept(
                lead=str(lead.pk),
                by=partner_admin,
                deal_name="Migration",
                deal_value="5000",
                estimated_close_date=FUTURE,
            )
            outcome.append(("person", "accepted"))
        except LeadConflict as exc:
            outcome.append(("person", exc.message))
        finally:
            connection.close()

    job = threading.Thread(target=job_expires)
    job.start()
    assert job_holds_rows.wait(timeout=10)
    person = threading.Thread(target=person_accepts)
    person.start()
    try:
        wait_until_another_connection_waits_for_a_lock(who="the person's accept")
    finally:
        job_commit.set()
        job.join(timeout=10)
        person.join(timeout=10)

    assert outcome[0] == ("job", 1)
    assert outcome[1][0] == "person" and "already expired" in outcome[1][1]
    assert status_of(lead) == Status.EXPIRED
    assert actions_of(lead) == [EventAction.EXPIRE]


@pytest.mark.django_db
def test_the_cooling_job_clears_exactly_the_leads_the_hot_rule_calls_cooled(org):
    """The stored flag and the rule the page and the API read live (leads.models.hot_state) say the same."""
    from leads.models import hot_state

    now = RECEIVED + timedelta(days=20)
    with time_machine.travel(now, tick=False):
        hours = [1, 71, 73, 200, 24 * 30]
        leads = [LeadFactory(partner=org, received_at=now - timedelta(hours=h), contact_requested=True) for h in hours]
        services.leads_cool_hot(now=now)
        for lead in Lead.objects.filter(pk__in=[lead.pk for lead in leads]):
            rule = hot_state(
                contact_requested=lead.contact_requested, status=lead.status, received_at=lead.received_at, now=now
            )
            assert lead.is_hot == (rule == "hot"), (lead.received_at, rule)


@pytest.mark.django_db(transaction=True)
def test_an_expiry_batch_commits_without_waiting_for_the_disk_and_the_connection_waits_again_after(org):
    """The job's own batches commit asynchronously (a crash may lose the last moment's, which the next run redoes);
    the setting ends with each batch, and a caller's transaction keeps its durable commit."""
    LeadFactory.create_batch(5, partner=org, received_at=timezone.now() - timedelta(days=15))
    seen = []

    def record_setting(happenings):
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            seen.append(cursor.fetchone()[0])

    events.subscribe(record_setting)
    try:
        assert services.leads_expire_overdue(batch_size=2, workers=1) == 5
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            after = cursor.fetchone()[0]
        LeadFactory.create_batch(2, partner=org, received_at=timezone.now() - timedelta(days=15))
        with transaction.atomic():
            assert services.leads_expire_overdue(workers=1) == 2
    finally:
        events._subscribers.remove(record_setting)
    assert seen == ["off", "off", "off", "on"]
    assert after == "on"
    assert Lead.objects.filter(status=Status.EXPIRED).count() == 7
