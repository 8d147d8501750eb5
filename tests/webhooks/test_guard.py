"""The SSRF guard: public addresses only (IPv4, IPv6, IPv4 inside IPv6), https in production, checked again at
delivery time, where a refused URL is a recorded failure and nothing is sent."""

import pytest
from django.test import override_settings

from leads import services
from tests.factories import LeadFactory
from webhooks.guard import UnsafeURL, resolve_target
from webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint
from webhooks.sending import delivery_send

REFUSED_ALWAYS = [
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "240.0.0.1",
    "[fe80::1]",
    "[fc00::1]",
    "[ff02::1]",
    "[::]",
    "[::ffff:10.0.0.1]",
    "[::ffff:169.254.169.254]",
    "[2002:a00:1::]",
    "[2002:7f00:1::]",
]
LOOPBACK = ["127.0.0.1", "127.1.2.3", "[::1]", "[::ffff:127.0.0.1]", "localhost"]


@override_settings(LEADHUB_WEBHOOKS_ALLOW_PRIVATE=False)
@pytest.mark.parametrize("host", REFUSED_ALWAYS + LOOPBACK)
def test_production_refuses_every_non_public_address(host):
    with pytest.raises(UnsafeURL):
        resolve_target(f"https://{host}/hook")


@override_settings(LEADHUB_WEBHOOKS_ALLOW_PRIVATE=True)
@pytest.mark.parametrize("host", REFUSED_ALWAYS)
def test_allowing_private_still_refuses_anything_but_loopback(host):
    with pytest.raises(UnsafeURL):
        resolve_target(f"http://{host}/hook")


@override_settings(LEADHUB_WEBHOOKS_ALLOW_PRIVATE=True)
@pytest.mark.parametrize("host", LOOPBACK)
def test_allowing_private_allows_http_and_loopback(host):
    target = resolve_target(f"http://{host}:8080/hook")
    assert target.port == 8080 and target.scheme == "http"


@override_settings(LEADHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_production_takes_a_public_https_address_and_pins_it():
    target = resolve_target("https://93.184.215.14/hook")
    assert (target.scheme, target.address, target.port) == ("https", "93.184.215.14", 443)
    with pytest.raises(UnsafeURL, match="https"):
        resolve_target("http://93.184.215.14/hook")


@override_settings(LEADHUB_WEBHOOKS_ALLOW_PRIVATE=False)
def test_a_host_name_that_resolves_to_a_private_address_is_refused():
    with pytest.raises(UnsafeURL, match="non-public"):
        resolve_target("https://localhost:8443/hook")  # resolves to 127.0.0.1 / ::1
    with pytest.raises(UnsafeURL, match="resolve"):
        resolve_target("https://no-such-host.invalid/hook")


@pytest.mark.django_db
def test_a_url_refused_at_delivery_time_is_a_recorded_failure_and_nothing_is_sent(org, partner_admin):
    """Registered while allowed (as a DNS answer may change after registration), refused when sent."""
    from webhooks.services import endpoint_create

    endpoint_create(by=partner_admin, url="http://127.0.0.1:9/hook")
    services.lead_decline(lead=LeadFactory(partner=org), by=partner_admin, reason="not_a_fit")
    delivery = Delivery.objects.get()
    with override_settings(LEADHUB_WEBHOOKS_ALLOW_PRIVATE=False):
        assert delivery_send(delivery_id=delivery.pk) is False
    [attempt] = Attempt.objects.all()
    assert attempt.status_code is None and attempt.error.startswith("Refused:")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1 and delivery.next_attempt_at
    assert Endpoint.objects.get().failing_since is not None
