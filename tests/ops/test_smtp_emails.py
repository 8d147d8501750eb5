"""E-mails about leads over real SMTP (a server on 127.0.0.1): sent once however often a task runs, and retried
when the server drops the connection."""

import pytest

from leads.models import EmailDelivery, Status
from leads.tasks import lead_notify
from profiles.models import Role
from tests.factories import CustomerFactory, LeadFactory, MembershipFactory, UserFactory


@pytest.mark.django_db
def test_a_task_delivered_twice_sends_its_email_over_smtp_once(org, smtp_server):
    lead = LeadFactory(
        partner=org, status=Status.DECLINED, customer=CustomerFactory(email="buyer@example.com", country="US")
    )

    for _ in range(2):
        assert lead_notify.apply(kwargs={"kind": "decline", "lead_id": str(lead.pk)}).state == "SUCCESS"

    [message] = smtp_server.messages
    assert message["To"] == "buyer@example.com" and "please choose another partner" in message["Subject"]
    assert EmailDelivery.objects.filter(lead=lead, kind="decline").count() == 1


@pytest.mark.django_db
def test_a_dropped_smtp_connection_is_retried_and_nobody_gets_a_message_twice(org, partner_admin, smtp_server):
    MembershipFactory(
        user=UserFactory(username="contoso-admin-2", email="second@contoso.example"),
        organisation=org,
        role=Role.PARTNER_ADMIN,
    )
    lead = LeadFactory(partner=org)
    smtp_server.drop_next = {"second@contoso.example": 2}

    result = lead_notify.apply(kwargs={"kind": "new_lead", "lead_id": str(lead.pk)})  # retries run in place

    assert result.state == "SUCCESS"
    assert smtp_server.dropped == ["second@contoso.example", "second@contoso.example"]
    assert len(smtp_server.to(partner_admin.email)) == 1
    assert len(smtp_server.to("second@contoso.example")) == 1
    assert EmailDelivery.objects.filter(lead=lead).count() == 2
