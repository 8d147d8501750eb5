"""The public contact form: one lead per inquiry, hot on request, honeypot, rate limit, the 30-day duplicate rule."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from leads.models import EventAction, Lead, LeadEvent, LeadType, Status
from tests.factories import BusinessProfileFactory, LocationFactory

pytestmark = pytest.mark.django_db

FORM = {
    "company": "Acme s.r.o.",
    "contact_name": "Petr Novák",
    "email": "petr@acme.example",
    "phone": "+420 777 000 111",
    "company_size": "50-249",
    "country": "cz",
    "need": "We want to move our ERP to the cloud.",
}


@pytest.fixture
def partner(org):
    BusinessProfileFactory(organisation=org)
    return org


@pytest.fixture
def customer_client():
    """A browser with its own address, so the per-address rate limit of one test never reaches another."""
    return Client(REMOTE_ADDR=f"test-{uuid.uuid4()}")


def documentation_address() -> str:
    """A made-up client address (IPv6 documentation range) that no earlier test or run has used."""
    part = uuid.uuid4().hex
    return f"2001:db8:{part[:4]}:{part[4:8]}::{part[8:12]}"


def send(client, slug="contoso", **changes):
    return client.post(f"/partners/{slug}/contact/", {**FORM, **changes})


def test_the_form_creates_exactly_one_hot_customer_inquiry_and_thanks_the_customer(customer_client, partner):
    response = send(customer_client, contact_requested="on")
    assert response.status_code == 302 and response["Location"] == "/partners/contoso/"
    lead = Lead.objects.get()
    assert (lead.partner, lead.lead_type, lead.tab, lead.status) == (
        partner,
        LeadType.CUSTOMER_INQUIRY,
        "marketplace",
        Status.RECEIVED,
    )
    assert lead.contact_requested and lead.is_hot
    assert (lead.customer.company, lead.customer.email, lead.customer.country) == (
        "Acme s.r.o.",
        "petr@acme.example",
        "CZ",
    )
    assert lead.need == FORM["need"]
    assert list(lead.events.values_list("action", "actor")) == [(EventAction.CREATE, None)]
    page = customer_client.get(response["Location"]).content.decode()
    assert "Thank you" in page and partner.name in page


def test_without_contact_me_directly_the_lead_is_not_hot(customer_client, partner):
    send(customer_client)
    lead = Lead.objects.get()
    assert not lead.contact_requested and not lead.is_hot


def test_invalid_input_is_shown_on_the_form_and_creates_nothing(customer_client, partner):
    response = send(customer_client, email="not-an-email", need="x" * 5001, company="")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"email", "need", "company"}
    assert "at most 5000" in str(errors["need"])
    assert not Lead.objects.exists()


def test_the_honeypot_pretends_success_but_creates_nothing(customer_client, partner):
    response = send(customer_client, website="http://spam.example")
    assert response.status_code == 302
    assert not Lead.objects.exists()


def test_the_form_is_csrf_protected(partner):
    response = send(Client(enforce_csrf_checks=True, REMOTE_ADDR="csrf-test"))
    assert response.status_code == 403
    assert not Lead.objects.exists()


def test_unknown_or_unlisted_partner_is_404(customer_client, partner, other_org):
    BusinessProfileFactory(organisation=other_org, is_listed=False)
    assert send(customer_client, slug="nobody").status_code == 404
    assert send(customer_client, slug="fabrikam").status_code == 404
    assert not Lead.objects.exists()


def test_the_rate_limit_per_address_answers_with_a_clear_message(customer_client, partner, settings):
    settings.LEADHUB_INQUIRY_RATE_PER_HOUR = 2
    for n in range(2):
        assert send(customer_client, email=f"person{n}@acme.example").status_code == 302
    response = send(customer_client, email="third@acme.example")
    assert response.status_code == 429
    assert "wait an hour" in response.content.decode()
    assert Lead.objects.count() == 2
    # Another address is not affected.
    assert send(Client(REMOTE_ADDR=f"test-{uuid.uuid4()}"), email="other@acme.example").status_code == 302


def test_behind_a_proxy_each_customer_has_their_own_allowance(partner, settings):
    settings.LEADHUB_INQUIRY_RATE_PER_HOUR = 1
    settings.LEADHUB_TRUSTED_PROXIES = 1
    proxy = f"proxy-{uuid.uuid4()}"
    first, second = documentation_address(), documentation_address()  # new in every run
    assert send(Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=first), email="a@acme.example").status_code == 302
    assert send(Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=second), email="b@acme.example").status_code == 302
    again = send(Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"{second}, {first}"), email="c@acme.example")
    assert again.status_code == 429  # the proxy saw `first` again, whatever the client put in front of it
    assert Lead.objects.count() == 2


def test_a_second_inquiry_within_30_days_is_a_note_on_the_open_lead(customer_client, partner):
    send(customer_client)
    response = send(
        customer_client, email="PETR@acme.example", need="Any news? We are in a hurry.", contact_requested="on"
    )
    assert response.status_code == 302
    lead = Lead.objects.get()
    note = LeadEvent.objects.get(lead=lead, action=EventAction.NOTE)
    assert note.changes["need"] == "Any news? We are in a hurry." and note.changes["contact_requested"] is True
    assert lead.version == 2


@pytest.mark.parametrize(("age_days", "status"), [(31, Status.RECEIVED), (2, Status.DECLINED), (2, Status.WON)])
def test_an_old_or_closed_lead_does_not_swallow_a_new_inquiry(customer_client, partner, age_days, status):
    send(customer_client)
    Lead.objects.update(received_at=timezone.now() - timedelta(days=age_days), status=status)
    send(customer_client)
    assert Lead.objects.count() == 2


def test_the_same_customer_writing_to_another_partner_gets_a_new_lead(customer_client, partner, other_org):
    BusinessProfileFactory(organisation=other_org)
    send(customer_client)
    send(customer_client, slug="fabrikam")
    assert sorted(Lead.objects.values_list("partner__slug", flat=True)) == ["contoso", "fabrikam"]


@pytest.fixture
def celery_eager():
    from leadhub.celery import app as celery_app

    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    celery_app.conf.update(task_always_eager=False, task_eager_propagates=False)


def test_the_partner_is_alerted_once_the_inquiry_is_saved(
    customer_client, org, celery_eager, django_capture_on_commit_callbacks, mailoutbox
):
    LocationFactory(
        profile=BusinessProfileFactory(organisation=org), country="CZ", contact_email="praha@contoso.example"
    )
    with django_capture_on_commit_callbacks(execute=True):
        send(customer_client, contact_requested="on")
    [alert] = mailoutbox
    assert alert.to == ["praha@contoso.example"] and "Acme s.r.o." in alert.body
