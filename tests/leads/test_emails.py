"""E-mails about leads: who gets which, in which language, sent once however often a task runs, retried on failure."""

import smtplib
import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection
from django.utils import timezone

from leadhub.celery import app as celery_app
from leads import services
from leads.models import EmailDelivery, EventAction, LeadEvent, LeadType, Status
from leads.notifications import lead_email_send
from leads.tasks import expire_overdue_leads, lead_notify, resend_missed_emails
from profiles.models import Role
from tests.factories import (
    BusinessProfileFactory,
    CustomerFactory,
    LeadFactory,
    LocationFactory,
    MembershipFactory,
    UserFactory,
)

CZECH_CUSTOMER = {
    "company": "Pekárna & syn s.r.o.",
    "contact_name": "Jana Nováková",
    "email": "jana@pekarna.example",
    "country": "CZ",
    "city": "Brno",
}


class FlakyMailServer(locmem.EmailBackend):
    """Stands in for an SMTP server that drops the connection for the first `failures[address]` messages to one."""

    failures: dict[str, int] = {}
    attempts: list[str] = []

    def send_messages(self, messages):
        address = messages[0].to[0]
        FlakyMailServer.attempts.append(address)
        if FlakyMailServer.failures.get(address, 0) > 0:
            FlakyMailServer.failures[address] -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class SlowMailServer(locmem.EmailBackend):
    """Holds the first message until told to go on, so a second sender can arrive while it is in flight."""

    in_flight = threading.Event()
    go_on = threading.Event()

    def send_messages(self, messages):
        if not SlowMailServer.in_flight.is_set():
            SlowMailServer.in_flight.set()
            SlowMailServer.go_on.wait(timeout=10)
        return super().send_messages(messages)


@pytest.fixture
def celery_eager():
    """Run queued tasks in this process (the worker path is covered by the integration test in test_tasks.py)."""
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    celery_app.conf.update(task_always_eager=False, task_eager_propagates=False)


@pytest.fixture
def flaky_mail_server(settings):
    settings.EMAIL_BACKEND = "tests.leads.test_emails.FlakyMailServer"
    FlakyMailServer.failures, FlakyMailServer.attempts = {}, []
    return FlakyMailServer


@pytest.fixture
def offices(org):
    profile = BusinessProfileFactory(organisation=org)
    LocationFactory(
        profile=profile, country="DE", city="Berlin", contact_name="Max Weber", contact_email="berlin@contoso.example"
    )
    return LocationFactory(
        profile=profile,
        country="CZ",
        city="Praha",
        contact_name="Petra Svobodová",
        contact_email="praha@contoso.example",
    )


def test_new_lead_alerts_the_office_in_the_customers_country_in_czech(
    org, offices, ops_user, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lead = services.lead_create(
            by=ops_user,
            partner=org,
            lead_type="customer_inquiry",
            customer=CZECH_CUSTOMER,
            need="Potřebujeme přesun serverů do cloudu.",
            contact_requested=True,
        )

    [message] = mail.outbox
    assert message.to == ["praha@contoso.example"]
    assert message.subject == "Horký lead pro Contoso Consulting: Pekárna & syn s.r.o."
    assert "Dobrý den, Petra Svobodová" in message.body
    assert "Pekárna & syn s.r.o." in message.body and "jana@pekarna.example" in message.body
    assert "Místo:      Brno, Česko" in message.body  # the country's name in the recipient's language, not "CZ"
    assert f"/leads/{lead.pk}/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert 'lang="cs"' in html and "Pekárna &amp; syn s.r.o." in html and "Otevřít lead" in html
    delivery = EmailDelivery.objects.get()
    assert (delivery.kind, delivery.lead_id, delivery.recipient, delivery.language) == (
        "new_lead",
        lead.pk,
        "praha@contoso.example",
        "cs",
    )


def test_new_lead_from_a_country_without_an_office_alerts_the_partner_admins_in_english(
    org,
    offices,
    partner_admin,
    referrals_admin,
    other_admin,
    ops_user,
    celery_eager,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_create(
            by=ops_user,
            partner=org,
            lead_type="sales_qualified",
            customer={**CZECH_CUSTOMER, "country": "US", "city": "Austin"},
            need="A data platform.",
        )

    [message] = mail.outbox
    assert message.to == [partner_admin.email]
    assert message.subject == "New lead for Contoso Consulting: Pekárna & syn s.r.o."
    assert "Accept or decline it by" in message.body
    assert "Location:   Austin, United States of America" in message.body


@pytest.mark.parametrize(
    "country, phrase",
    [
        ("CZ", "vyberte si prosím jiného partnera"),
        ("US", "please choose another partner"),
    ],
)
def test_declined_lead_tells_the_customer_to_choose_another_partner_in_their_language(
    org, partner_admin, celery_eager, django_capture_on_commit_callbacks, country, phrase
):
    lead = LeadFactory(partner=org, customer=CustomerFactory(country=country, email="buyer@example.com"))
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_decline(lead=lead, by=partner_admin, reason="duplicate_or_spam", reason_notes="Looks like spam")

    [message] = mail.outbox
    assert message.to == ["buyer@example.com"]
    assert phrase in message.subject
    assert "http://127.0.0.1:8000/partners/" in message.body
    assert "spam" not in message.body.lower()  # the partner's reason is internal


def test_referrers_of_expired_leads_are_told_once_however_often_the_job_runs(
    org, celery_eager, django_capture_on_commit_callbacks
):
    overdue = timezone.now() - timedelta(days=15)
    qualified = {"partner": org, "lead_type": LeadType.SALES_QUALIFIED}
    LeadFactory(**qualified, received_at=overdue, referred_by_email="seller@vendor.example")
    LeadFactory(**qualified, received_at=overdue, referred_by_email="partner@referrer.example")
    LeadFactory(**qualified, received_at=overdue, referred_by_email="")
    LeadFactory(**qualified, referred_by_email="not-yet@vendor.example")

    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            expire_overdue_leads()

    assert sorted(message.to[0] for message in mail.outbox) == ["partner@referrer.example", "seller@vendor.example"]
    assert all(message.subject.startswith("Lead expired unanswered: ") for message in mail.outbox)
    assert EmailDelivery.objects.filter(kind="expire").count() == 2


@pytest.mark.django_db
def test_a_task_delivered_twice_sends_its_email_once(org):
    lead = LeadFactory(partner=org, status=Status.DECLINED)
    for _ in range(2):
        lead_notify.apply(kwargs={"kind": "decline", "lead_id": str(lead.pk)})

    assert len(mail.outbox) == 1
    assert EmailDelivery.objects.filter(lead=lead, kind="decline").count() == 1


@pytest.mark.django_db
def test_no_new_lead_alert_once_someone_already_answered_the_lead(org, partner_admin):
    lead = LeadFactory(partner=org, status=Status.ACCEPTED)
    lead_notify.apply(kwargs={"kind": "new_lead", "lead_id": str(lead.pk)})
    assert mail.outbox == []


def test_each_follow_up_inquiry_alerts_the_office_with_the_customer_s_new_message(
    org, offices, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lead, created = services.lead_create_inquiry(
            partner=org, customer=CZECH_CUSTOMER, need="Potřebujeme přesun serverů do cloudu."
        )
    assert created
    with django_capture_on_commit_callbacks(execute=True):
        again, created = services.lead_create_inquiry(
            partner=org,
            customer={**CZECH_CUSTOMER, "phone": "+420 777 123 456"},
            need="Termín se posunul: potřebujeme to do konce měsíce.",
            contact_requested=True,
        )
    assert (again, created) == (lead, False)
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_create_inquiry(partner=org, customer=CZECH_CUSTOMER, need="Ještě jedna otázka k ceně.")

    new_lead, first, second = mail.outbox
    assert new_lead.subject.startswith("Nový lead")
    assert first.to == second.to == ["praha@contoso.example"]
    assert first.subject == "Pekárna & syn s.r.o. napsal(a) znovu a žádá o přímý kontakt (Contoso Consulting)"
    assert "Termín se posunul: potřebujeme to do konce měsíce." in first.body
    assert "+420 777 123 456" in first.body and "Zákazník žádá o přímý kontakt." in first.body
    assert f"/leads/{lead.pk}/" in first.body
    assert "Pekárna &amp; syn s.r.o." in first.alternatives[0][0]
    assert second.subject == "Pekárna & syn s.r.o. napsal(a) znovu (Contoso Consulting)"
    assert "Ještě jedna otázka k ceně." in second.body and "přímý kontakt" not in second.body
    deliveries = EmailDelivery.objects.filter(kind="follow_up").order_by("sent_at", "id")
    assert [d.event.changes["need"] for d in deliveries] == [
        "Termín se posunul: potřebujeme to do konce měsíce.",
        "Ještě jedna otázka k ceně.",
    ]


@pytest.mark.django_db
def test_a_follow_up_alert_is_sent_once_and_only_while_the_lead_is_open(org, partner_admin):
    lead, _created = services.lead_create_inquiry(partner=org, customer=CZECH_CUSTOMER, need="Cloud.")
    _same, _created = services.lead_create_inquiry(partner=org, customer=CZECH_CUSTOMER, need="Any news?")
    note = LeadEvent.objects.get(lead=lead, action=EventAction.NOTE)
    other_lead = LeadFactory(partner=org)

    lead_notify.apply(kwargs={"kind": "follow_up", "lead_id": str(other_lead.pk), "event_id": note.pk})
    assert mail.outbox == []  # an event of another lead is no reason to write about this one
    for _ in range(2):
        lead_notify.apply(kwargs={"kind": "follow_up", "lead_id": str(lead.pk), "event_id": note.pk})
    assert [message.to for message in mail.outbox] == [[partner_admin.email]]
    assert "Any news?" in mail.outbox[0].body and "a lead still waiting for your answer" in mail.outbox[0].body

    services.lead_decline(lead=lead, by=partner_admin, reason="not_a_fit")
    later = LeadEvent.objects.create(lead=lead, action=EventAction.NOTE, changes={"need": "Hello?"})
    mail.outbox.clear()
    lead_notify.apply(kwargs={"kind": "follow_up", "lead_id": str(lead.pk), "event_id": later.pk})
    assert mail.outbox == []  # declined meanwhile: nobody is sent looking for it


@pytest.mark.django_db
def test_failing_mail_server_is_retried_and_nobody_gets_a_message_twice(org, partner_admin, flaky_mail_server):
    MembershipFactory(
        user=UserFactory(username="contoso-admin-2", email="second@contoso.example"),
        organisation=org,
        role=Role.PARTNER_ADMIN,
    )
    lead = LeadFactory(partner=org)
    flaky_mail_server.failures = {"second@contoso.example": 2}

    result = lead_notify.apply(kwargs={"kind": "new_lead", "lead_id": str(lead.pk)})  # retries run in place

    assert result.state == "SUCCESS"
    assert flaky_mail_server.attempts == [
        partner_admin.email,
        "second@contoso.example",
        "second@contoso.example",
        "second@contoso.example",
    ]
    assert sorted(message.to[0] for message in mail.outbox) == [partner_admin.email, "second@contoso.example"]
    assert EmailDelivery.objects.filter(lead=lead).count() == 2


@pytest.mark.django_db
def test_mail_server_down_for_good_gives_up_after_ten_retries_and_records_nothing(
    org, partner_admin, flaky_mail_server
):
    lead = LeadFactory(partner=org)
    flaky_mail_server.failures = {partner_admin.email: 100}

    result = lead_notify.apply(kwargs={"kind": "new_lead", "lead_id": str(lead.pk)})

    assert result.state == "FAILURE" and isinstance(result.result, smtplib.SMTPServerDisconnected)
    assert len(flaky_mail_server.attempts) == 11
    assert not EmailDelivery.objects.exists()  # so a later run still sends it


@pytest.mark.django_db(transaction=True)
def test_two_tasks_sending_the_same_email_at_once_send_it_once(org, settings):
    settings.EMAIL_BACKEND = "tests.leads.test_emails.SlowMailServer"
    SlowMailServer.in_flight.clear()
    SlowMailServer.go_on.clear()
    lead = LeadFactory(partner=org, status=Status.EXPIRED, referred_by_email="seller@vendor.example")
    sent = []

    def send():
        try:
            sent.append(lead_email_send(kind="expire", lead_id=str(lead.pk)))
        finally:
            connection.close()

    first, second = threading.Thread(target=send), threading.Thread(target=send)
    first.start()
    assert SlowMailServer.in_flight.wait(timeout=10)
    second.start()
    try:
        deadline = time.monotonic() + 10
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.02)
            else:
                raise AssertionError("the second sender never waited for the first one's delivery record")
    finally:
        SlowMailServer.go_on.set()
        first.join(timeout=10)
        second.join(timeout=10)

    assert sorted(sent) == [0, 1]
    assert len(mail.outbox) == 1
    assert EmailDelivery.objects.filter(lead=lead).count() == 1


@pytest.mark.django_db
def test_hourly_catch_up_sends_an_email_whose_task_was_lost_once_and_only_within_its_window(
    org, partner_admin, celery_eager
):
    now = timezone.now()

    def declined_at(moment, email):
        with time_machine.travel(moment, tick=False):
            lead = LeadFactory(partner=org, customer=CustomerFactory(email=email, country="US"))
            # The test's transaction never commits, so the task queued on commit is never sent: it is "lost".
            services.lead_decline(lead=lead, by=partner_admin, reason="not_a_fit")
        return lead

    declined_at(now - timedelta(hours=49), "too-old@example.com")
    declined_at(now - timedelta(hours=2), "lost@example.com")
    delivered = declined_at(now - timedelta(hours=2), "delivered@example.com")
    lead_notify.apply(kwargs={"kind": "decline", "lead_id": str(delivered.pk)})
    declined_at(now - timedelta(minutes=30), "still-retrying@example.com")

    with time_machine.travel(now, tick=False):
        assert resend_missed_emails() == 1
        assert resend_missed_emails() == 0

    assert sorted(message.to[0] for message in mail.outbox) == ["delivered@example.com", "lost@example.com"]


@pytest.mark.django_db
def test_hourly_catch_up_sends_each_lost_follow_up_alert_once(org, partner_admin, celery_eager):
    now = timezone.now()
    with time_machine.travel(now - timedelta(hours=3), tick=False):
        lead, _created = services.lead_create_inquiry(partner=org, customer=CZECH_CUSTOMER, need="Cloud.")
    with time_machine.travel(now - timedelta(hours=2), tick=False):  # both tasks are lost: nothing commits
        services.lead_create_inquiry(partner=org, customer=CZECH_CUSTOMER, need="First follow-up.")
        services.lead_create_inquiry(partner=org, customer=CZECH_CUSTOMER, need="Second follow-up.")

    with time_machine.travel(now, tick=False):
        assert resend_missed_emails() == 3  # the new-lead alert and both follow-ups
        assert resend_missed_emails() == 0

    subjects = sorted(message.subject for message in mail.outbox)
    assert len(subjects) == 3 and sum("wrote again" in subject for subject in subjects) == 2
    assert {
        body for message in mail.outbox for body in ("First follow-up.", "Second follow-up.") if body in message.body
    } == {"First follow-up.", "Second follow-up."}
