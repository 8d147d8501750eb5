"""Ops staff's admin for webhooks: endpoints and deliveries to look into, never edited, no secret on any page, and
deliveries sent again (same webhook-id) through the service, which a real worker then sends to a real receiver."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.webhooks.test_deliveries import wait_until
from webhooks.crypto import secret_decrypt
from webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint
from webhooks.services import endpoint_create, endpoint_rotate_secret

URL = "http://127.0.0.1:9/hook"


@pytest.fixture
def ops_client(client, ops_user):
    client.force_login(ops_user)
    return client


def failed_delivery(endpoint, **fields) -> Delivery:
    delivery = Delivery.objects.create(
        endpoint=endpoint, event_type="lead.won", payload={"id": "lead-1"}, status="failed", attempts=8, **fields
    )
    Attempt.objects.create(delivery=delivery, status_code=503, duration_ms=42, response_body="try later")
    return delivery


@pytest.mark.django_db
def test_ops_see_endpoints_but_never_a_secret(ops_client, partner_admin, other_admin):
    mine, first_secret = endpoint_create(by=partner_admin, url=URL, events=["lead.won"])
    _theirs, _ = endpoint_create(by=other_admin, url="http://127.0.0.1:9/other")
    mine, second_secret = endpoint_rotate_secret(by=partner_admin, endpoint_id=mine.pk)
    listing = ops_client.get(reverse("admin:webhooks_endpoint_changelist")).content.decode()
    assert URL in listing and "/other" in listing and "Contoso Consulting" in listing
    page = ops_client.get(reverse("admin:webhooks_endpoint_change", args=[mine.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "lead.won" in html and f"endpoint__id__exact={mine.pk}" in html
    for secret in (first_secret, second_secret, mine.secret_encrypted, mine.previous_secret_encrypted):
        assert secret not in html and secret not in listing
    assert secret_decrypt(mine.secret_encrypted) == second_secret


@pytest.mark.django_db
def test_the_admin_changes_nothing_by_hand(ops_client, partner_admin):
    endpoint, _ = endpoint_create(by=partner_admin, url=URL)
    delivery = failed_delivery(endpoint)
    assert ops_client.get(reverse("admin:webhooks_endpoint_add")).status_code == 403
    change = reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])
    assert ops_client.post(change, {"url": "http://127.0.0.1:9/elsewhere"}).status_code == 403
    assert (
        ops_client.post(reverse("admin:webhooks_endpoint_delete", args=[endpoint.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert (
        ops_client.post(reverse("admin:webhooks_delivery_delete", args=[delivery.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert Endpoint.objects.get().url == URL and Delivery.objects.count() == 1


@pytest.mark.django_db
def test_a_delivery_shows_its_attempts_and_body(ops_client, partner_admin):
    endpoint, _ = endpoint_create(by=partner_admin, url=URL)
    delivery = failed_delivery(endpoint)
    html = ops_client.get(reverse("admin:webhooks_delivery_change", args=[delivery.pk])).content.decode()
    assert delivery.webhook_id in html and "503" in html and "try later" in html and "lead-1" in html
    found = ops_client.get(reverse("admin:webhooks_delivery_changelist"), {"q": delivery.webhook_id})
    assert found.context["cl"].result_count == 1
    assert (
        ops_client.get(reverse("admin:webhooks_delivery_changelist"), {"status__exact": "delivered"})
        .context["cl"]
        .result_count
        == 0
    )


@pytest.mark.django_db
def test_partner_users_cannot_open_the_webhooks_admin(client, partner_admin):
    endpoint, _ = endpoint_create(by=partner_admin, url=URL)
    client.force_login(partner_admin)
    for url in (
        reverse("admin:webhooks_endpoint_changelist"),
        reverse("admin:webhooks_endpoint_change", args=[endpoint.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_the_delivery_list_costs_the_same_queries_for_many_rows(
    ops_client, partner_admin, other_admin, django_assert_max_num_queries
):
    endpoints = [endpoint_create(by=admin, url=f"{URL}/{admin.pk}")[0] for admin in (partner_admin, other_admin)]
    for n in range(30):
        failed_delivery(endpoints[n % 2])
    with django_assert_max_num_queries(8):
        assert ops_client.get(reverse("admin:webhooks_delivery_changelist")).status_code == 200
    with django_assert_max_num_queries(8):
        assert ops_client.get(reverse("admin:webhooks_endpoint_changelist")).status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_ops_send_deliveries_again_with_the_same_webhook_id(worker, receiver, ops_client, partner_admin):
    endpoint, _ = endpoint_create(by=partner_admin, url=receiver.url())
    paused, _ = endpoint_create(by=partner_admin, url=receiver.url("/paused"))
    Endpoint.objects.filter(pk=paused.pk).update(paused=True)
    again, left = failed_delivery(endpoint), failed_delivery(paused)
    response = ops_client.post(
        reverse("admin:webhooks_delivery_changelist"),
        {"action": "send_again", "_selected_action": [again.pk, left.pk]},
        follow=True,
    )
    assert "1 delivery is sent again. 1 of a paused or disabled endpoint was left alone." in response.content.decode()
    [request] = receiver.wait_for(1, worker=worker)
    assert request.headers["webhook-id"] == again.webhook_id and request.path == "/hook"
    wait_until(
        lambda: Delivery.objects.get(pk=again.pk).status == DeliveryStatus.DELIVERED, worker=worker, what="delivered"
    )
    assert Delivery.objects.get(pk=again.pk).attempts == 1
    assert Delivery.objects.get(pk=left.pk).status == DeliveryStatus.FAILED


@pytest.mark.django_db
def test_the_webhooks_admin_speaks_czech(ops_client, partner_admin):
    endpoint_create(by=partner_admin, url=URL)
    page = ops_client.get(reverse("admin:webhooks_endpoint_changelist"), HTTP_ACCEPT_LANGUAGE="cs").content.decode()
    assert "Aktivní" in page and "Všechny události" in page


@pytest.mark.django_db
def test_ops_find_a_delivery_by_its_webhook_id_along_the_unique_index(ops_client, partner_admin):
    """A webhook-id is compared as it is (the unique index answers it), not upper-cased beside the endpoint's URL
    and the partner's slug, which reads every delivery; other terms still search those."""
    endpoint, _ = endpoint_create(by=partner_admin, url=URL)
    delivery, other = failed_delivery(endpoint), failed_delivery(endpoint)
    changelist = reverse("admin:webhooks_delivery_changelist")
    with CaptureQueriesContext(connection) as queries:
        found = ops_client.get(changelist, {"q": f" {delivery.webhook_id} "})
    assert [row.pk for row in found.context["cl"].result_list] == [delivery.pk]
    searches = [
        query["sql"] for query in queries if 'FROM "webhooks_delivery"' in query["sql"] and "WHERE" in query["sql"]
    ]
    assert len(searches) == 2 and all(  # the count and the page
        '"webhooks_delivery"."webhook_id" = ' in sql and "UPPER" not in sql and "LIKE" not in sql for sql in searches
    )
    by_slug = ops_client.get(changelist, {"q": endpoint.organisation.slug}).context["cl"].result_list
    assert {row.pk for row in by_slug} == {delivery.pk, other.pk}
