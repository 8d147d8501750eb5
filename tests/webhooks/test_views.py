"""The /profile/webhooks/ pages: partner admins only, the secret shown once, rotate, pause, delete after a
confirmation, a test event, the delivery log with attempts, and sending a delivery again with the same id."""

import re

import pytest

from leads import services
from tests.factories import LeadFactory
from webhooks.crypto import secret_decrypt
from webhooks.models import Attempt, Delivery, Endpoint
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db
URL = "http://127.0.0.1:9/hook"


def shown_secret(response) -> str | None:
    match = re.search(r'id="new-secret" type="text" readonly value="([^"]+)"', response.content.decode())
    return match and match.group(1)


def test_a_partner_admin_adds_an_endpoint_and_sees_the_secret_once(client, partner_admin):
    client.force_login(partner_admin)
    response = client.post("/profile/webhooks/", {"url": URL, "events": ["lead.received", "lead.won"]}, follow=True)
    assert response.redirect_chain == [("/profile/webhooks/", 302)]  # a reload shows the page, it adds nothing
    assert "no-store" in response["Cache-Control"]
    secret = shown_secret(response)
    endpoint = Endpoint.objects.get()
    assert endpoint.events == ["lead.received", "lead.won"] and secret_decrypt(endpoint.secret_encrypted) == secret
    assert secret not in str(dict(client.session))  # handed over encrypted, and gone once shown
    listing = client.get("/profile/webhooks/")
    assert shown_secret(listing) is None and secret not in listing.content.decode()
    assert URL in listing.content.decode()
    assert shown_secret(client.get(f"/profile/webhooks/{endpoint.pk}/")) is None


def test_bad_input_shows_the_field_error_and_creates_nothing(client, partner_admin, settings):
    settings.LEADHUB_WEBHOOKS_ALLOW_PRIVATE = False
    client.force_login(partner_admin)
    response = client.post("/profile/webhooks/", {"url": "https://169.254.169.254/latest"})
    assert response.status_code == 400 and "url" in response.context["form"].errors
    response = client.post("/profile/webhooks/", {"url": URL, "events": ["lead.exploded"]})
    assert response.status_code == 400 and "events" in response.context["form"].errors
    assert not Endpoint.objects.exists()


def test_referrals_admins_ops_and_outsiders_get_a_403(client, referrals_admin, ops_user, outsider, partner_admin):
    endpoint, _ = endpoint_create(by=partner_admin, url=URL)
    for user in (referrals_admin, ops_user, outsider):
        client.force_login(user)
        assert client.get("/profile/webhooks/").status_code == 403
        assert client.post("/profile/webhooks/", {"url": URL}).status_code == 403
        assert client.get(f"/profile/webhooks/{endpoint.pk}/").status_code == 403
        assert client.post(f"/profile/webhooks/{endpoint.pk}/delete/").status_code == 403
    assert Endpoint.objects.count() == 1


def test_another_organisations_endpoint_is_a_404_on_every_page(client, partner_admin, other_admin):
    theirs, _ = endpoint_create(by=other_admin, url=URL)
    client.force_login(partner_admin)
    assert URL not in client.get("/profile/webhooks/").content.decode()
    for path in ("", "rotate/", "pause/", "resume/", "test/", "delete/"):
        assert client.post(f"/profile/webhooks/{theirs.pk}/{path}").status_code == 404, path
    assert client.get(f"/profile/webhooks/{theirs.pk}/delete/").status_code == 404
    assert Endpoint.objects.get() == theirs and not Delivery.objects.exists()


def test_opening_the_page_again_after_adding_registers_nothing_more(client, partner_admin):
    client.force_login(partner_admin)
    client.post("/profile/webhooks/", {"url": URL}, follow=True)
    client.get("/profile/webhooks/")  # what a reload of the page the browser was sent to does
    assert Endpoint.objects.count() == 1


def test_a_secret_handed_over_shows_only_on_its_own_endpoint(client, partner_admin):
    first, _ = endpoint_create(by=partner_admin, url=URL)
    second, _ = endpoint_create(by=partner_admin, url=URL + "2")
    client.force_login(partner_admin)
    client.post(f"/profile/webhooks/{first.pk}/rotate/")
    assert shown_secret(client.get(f"/profile/webhooks/{second.pk}/")) is None


def test_rotate_shows_the_new_secret_once(client, partner_admin):
    endpoint, old = endpoint_create(by=partner_admin, url=URL)
    client.force_login(partner_admin)
    response = client.post(f"/profile/webhooks/{endpoint.pk}/rotate/", follow=True)
    assert response.redirect_chain == [(f"/profile/webhooks/{endpoint.pk}/", 302)]
    new = shown_secret(response)
    assert new and new != old and "24 hours" in response.content.decode()
    endpoint.refresh_from_db()
    assert secret_decrypt(endpoint.secret_encrypted) == new
    assert shown_secret(client.get(f"/profile/webhooks/{endpoint.pk}/")) is None  # once


def test_pause_and_resume(client, partner_admin):
    endpoint, _ = endpoint_create(by=partner_admin, url=URL)
    client.force_login(partner_admin)
    client.post(f"/profile/webhooks/{endpoint.pk}/pause/")
    endpoint.refresh_from_db()
    assert endpoint.paused
    Endpoint.objects.filter(pk=endpoint.pk).update(is_active=False, disabled_reason="gone")
    client.post(f"/profile/webhooks/{endpoint.pk}/resume/")
    endpoint.refresh_from_db()
    assert not endpoint.paused and endpoint.is_active and endpoint.disabled_reason == ""


def test_delete_asks_first_then_deletes(client, partner_admin):
    endpoint, _ = endpoint_create(by=partner_admin, url=URL)
    client.force_login(partner_admin)
    confirm = client.get(f"/profile/webhooks/{endpoint.pk}/delete/")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
    assert Endpoint.objects.exists()
    response = client.post(f"/profile/webhooks/{endpoint.pk}/delete/")
    assert response.status_code == 302 and not Endpoint.objects.exists()


def test_a_test_event_and_the_log_with_attempts_and_send_again(client, org, partner_admin):
    endpoint, _ = endpoint_create(by=partner_admin, url=URL)
    client.force_login(partner_admin)
    client.post(f"/profile/webhooks/{endpoint.pk}/test/")
    test_delivery = Delivery.objects.get()
    assert test_delivery.event_type == "webhook.test" and test_delivery.status == "pending"
    services.lead_decline(lead=LeadFactory(partner=org), by=partner_admin, reason="not_a_fit")
    declined = Delivery.objects.get(event_type="lead.declined")
    Attempt.objects.create(delivery=declined, status_code=503, duration_ms=42, response_body="try later")
    Delivery.objects.filter(pk=declined.pk).update(status="failed", attempts=8, next_attempt_at=None)
    page = client.get(f"/profile/webhooks/{endpoint.pk}/").content.decode()
    assert declined.webhook_id in page and "503" in page and "42 ms" in page and "try later" in page
    client.post(f"/profile/webhooks/{endpoint.pk}/deliveries/{declined.pk}/resend/")
    declined.refresh_from_db()
    assert (declined.status, declined.attempts) == ("pending", 0) and declined.next_attempt_at
    assert Delivery.objects.count() == 2  # the same delivery, so the same webhook-id


def test_a_delivery_of_another_endpoint_cannot_be_sent_again(client, org, partner_admin, other_admin):
    mine, _ = endpoint_create(by=partner_admin, url=URL)
    theirs, _ = endpoint_create(by=other_admin, url=URL)
    delivery = Delivery.objects.create(endpoint=theirs, event_type="lead.won", payload={}, status="failed")
    client.force_login(partner_admin)
    assert client.post(f"/profile/webhooks/{mine.pk}/deliveries/{delivery.pk}/resend/").status_code == 404
    assert Delivery.objects.get().status == "failed"


def test_the_profile_page_links_to_the_webhooks(client, partner_admin, org):
    client.force_login(partner_admin)
    assert 'href="/profile/webhooks/"' in client.get("/profile/").content.decode()


def test_the_pages_speak_czech(client, partner_admin):
    endpoint, _ = endpoint_create(by=partner_admin, url=URL)
    client.force_login(partner_admin)
    page = client.get("/profile/webhooks/", HTTP_ACCEPT_LANGUAGE="cs").content.decode()
    assert "Přidat webhook" in page and "Které události posílat" in page and "Přišel nový lead" in page
    detail = client.get(f"/profile/webhooks/{endpoint.pk}/", HTTP_ACCEPT_LANGUAGE="cs").content.decode()
    assert "Poslat testovací událost" in detail and "Vyměnit klíč" in detail


def test_the_pages_cost_the_same_queries_for_many_endpoints_and_deliveries(
    client, partner_admin, django_assert_max_num_queries
):
    endpoints = [endpoint_create(by=partner_admin, url=f"{URL}/{n}")[0] for n in range(8)]
    for n in range(30):
        delivery = Delivery.objects.create(endpoint=endpoints[0], event_type="lead.won", payload={})
        Attempt.objects.create(delivery=delivery, status_code=500 + n % 3)
    client.force_login(partner_admin)
    with django_assert_max_num_queries(6):
        assert client.get("/profile/webhooks/").status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(f"/profile/webhooks/{endpoints[0].pk}/").status_code == 200
