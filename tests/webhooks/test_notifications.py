"""The e-mail to partner admins when an endpoint is disabled: English, or Czech for a partner whose offices are
all in the Czech Republic; never to referrals admins."""

import pytest
from django.core import mail

from tests.factories import BusinessProfileFactory, LocationFactory
from webhooks.models import Endpoint
from webhooks.notifications import endpoint_disabled_email
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db
URL = "http://127.0.0.1:9/hook"


def disabled(partner_admin, reason="gone") -> Endpoint:
    endpoint, _ = endpoint_create(by=partner_admin, url=URL)
    Endpoint.objects.filter(pk=endpoint.pk).update(is_active=False, disabled_reason=reason)
    return endpoint


def test_the_partner_admins_are_told_in_english(org, partner_admin, referrals_admin):
    endpoint = disabled(partner_admin)
    assert endpoint_disabled_email(endpoint_id=endpoint.pk) == 1
    [message] = mail.outbox
    assert message.to == [partner_admin.email]
    assert message.subject == f"Webhook endpoint disabled: {URL}"
    assert "The receiver answered 410 Gone." in message.body
    assert f"/profile/webhooks/{endpoint.pk}/" in message.body


def test_a_czech_partner_is_told_in_czech(org, partner_admin):
    LocationFactory(profile=BusinessProfileFactory(organisation=org), country="CZ")
    endpoint = disabled(partner_admin, reason="failing")
    endpoint_disabled_email(endpoint_id=endpoint.pk)
    [message] = mail.outbox
    assert message.subject == f"Webhook byl vypnut: {URL}"
    assert "Tři dny se nepodařilo nic doručit." in message.body and "Dobrý den" in message.body


def test_nobody_is_told_about_an_endpoint_resumed_meanwhile(org, partner_admin):
    endpoint, _ = endpoint_create(by=partner_admin, url=URL)
    assert endpoint_disabled_email(endpoint_id=endpoint.pk) == 0 and not mail.outbox
