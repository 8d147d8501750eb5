"""Real deliveries: lead changes committed here, a Celery worker on Redis signs and sends them to a real HTTP
receiver on 127.0.0.1 (1 s timeout, 1 s back-off), and the receiver verifies them with the standardwebhooks package."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from leads import services
from leads.exceptions import LeadConflict
from tests.factories import AcceptedLeadFactory, LeadFactory
from webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

CUSTOMER = {"company": "Pekárna & syn", "contact_name": "Petra", "email": "petra@pekarna.example", "country": "CZ"}
DEAL = {"deal_name": "Cloud", "deal_value": "100.00", "estimated_close_date": "2030-01-01"}


def wait_until(condition, *, worker, timeout: float = 30, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        worker.check()
        assert time.monotonic() < deadline, f"{what} not met within {timeout} s\n{worker.log()}"
        time.sleep(0.05)


def test_a_new_lead_reaches_the_crm_signed_with_the_lead_as_the_api_shows_it(
    worker, receiver, endpoint_for, ops_user, org, partner_admin, api_as
):
    _endpoint, secret = endpoint_for(receiver.url())
    lead = services.lead_create(by=ops_user, partner=org, lead_type="sales_qualified", customer=CUSTOMER, need="ERP")
    [request] = receiver.wait_for(1, worker=worker)
    body = Webhook(secret).verify(request.body, request.headers)  # raises unless signed with this secret
    assert body["type"] == "lead.received"
    assert body["data"] == api_as(partner_admin).get(f"/leads/{lead.pk}").json()
    assert body["data"]["is_favorite"] is False
    delivery = Delivery.objects.get()
    assert request.headers["webhook-id"] == delivery.webhook_id
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 30
    assert request.headers["host"] == f"127.0.0.1:{receiver.port}"
    wait_until(lambda: Delivery.objects.get().status == DeliveryStatus.DELIVERED, worker=worker, what="delivered")
    [attempt] = Attempt.objects.all()
    assert attempt.status_code == 200 and attempt.response_body == "ok" and attempt.duration_ms < 5000


def test_a_receiver_answering_500_then_200_gets_the_same_webhook_id_twice(
    worker, receiver, endpoint_for, org, partner_admin
):
    receiver.script = [500]
    _endpoint, secret = endpoint_for(receiver.url())
    lead = LeadFactory(partner=org)
    services.lead_decline(lead=lead, by=partner_admin, reason="not_a_fit")
    first, second = receiver.wait_for(2, worker=worker)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    for request in (first, second):
        assert Webhook(secret).verify(request.body, request.headers)["type"] == "lead.declined"
    wait_until(lambda: Delivery.objects.get().status == DeliveryStatus.DELIVERED, worker=worker, what="delivered")
    assert list(Attempt.objects.values_list("status_code", flat=True)) == [500, 200]
    assert Endpoint.objects.get().failing_since is None  # a success clears the failure clock


def test_a_410_disables_the_endpoint_and_its_partner_admins_are_emailed(
    worker, receiver, endpoint_for, org, partner_admin
):
    receiver.default = 410
    endpoint, _secret = endpoint_for(receiver.url())
    lead = AcceptedLeadFactory(partner=org)
    services.lead_win(lead=lead, by=partner_admin)
    receiver.wait_for(1, worker=worker)
    wait_until(lambda: not Endpoint.objects.get().is_active, worker=worker, what="disabled")
    endpoint.refresh_from_db()
    assert endpoint.disabled_reason == "gone"
    assert Delivery.objects.get().status == DeliveryStatus.FAILED
    wait_until(
        lambda: (
            any(f"To: {partner_admin.email}" in path.read_text() for path in worker.mail_dir.iterdir())
            if worker.mail_dir.exists()
            else False
        ),
        worker=worker,
        what="the e-mail to the partner admin",
    )
    services.lead_lose(lead=AcceptedLeadFactory(partner=org), by=partner_admin, reason="no_budget")
    assert Delivery.objects.count() == 1  # a disabled endpoint gets no new deliveries
    time.sleep(1.5)
    assert len(receiver.received) == 1


def test_a_hanging_receiver_is_cut_at_the_timeout_and_retried(worker, receiver, endpoint_for, org, partner_admin):
    receiver.script = [(200, 4, {})]  # answers only after 4 s; the worker waits 1 s
    endpoint_for(receiver.url())
    services.lead_accept(lead=LeadFactory(partner=org), by=partner_admin, **DEAL)
    first, second = receiver.wait_for(2, worker=worker)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    wait_until(lambda: Delivery.objects.get().status == DeliveryStatus.DELIVERED, worker=worker, what="delivered")
    timed_out, delivered = Attempt.objects.all()
    assert timed_out.status_code is None and "Timed out" in timed_out.error and timed_out.duration_ms < 3000
    assert delivered.status_code == 200


def test_retry_after_is_honoured(worker, receiver, endpoint_for, org, partner_admin):
    receiver.script = [(503, 0, {"Retry-After": "3"})]
    endpoint_for(receiver.url())
    services.lead_accept(lead=LeadFactory(partner=org), by=partner_admin, **DEAL)
    receiver.wait_for(1, worker=worker)
    started = time.monotonic()
    receiver.wait_for(2, worker=worker)
    assert time.monotonic() - started >= 2.5  # not the 1 s of the schedule


def test_one_organisations_events_never_reach_another_organisations_endpoint(
    worker, receiver, endpoint_for, org, other_org, partner_admin, other_admin
):
    endpoint_for(receiver.url("/mine"))
    endpoint_for(receiver.url("/theirs"), by=other_admin)
    services.lead_accept(lead=LeadFactory(partner=org), by=partner_admin, **DEAL)
    services.lead_decline(lead=LeadFactory(partner=org), by=partner_admin, reason="not_a_fit")
    receiver.wait_for(2, worker=worker)
    time.sleep(1)
    assert sorted(request.path for request in receiver.received) == ["/mine", "/mine"]
    assert {request.json["data"]["partner"] for request in receiver.received} == {org.slug}


def test_every_lifecycle_action_emits_exactly_one_event_of_the_right_type(
    worker, receiver, endpoint_for, ops_user, org, partner_admin
):
    endpoint_for(receiver.url())
    created = services.lead_create(by=ops_user, partner=org, lead_type="sales_qualified", customer=CUSTOMER, need="ERP")
    services.lead_accept(lead=created, by=partner_admin, **DEAL)
    services.lead_update_deal(lead=created, by=partner_admin, deal_name="Renamed")
    services.lead_add_team_member(lead=created, by=partner_admin, name="Ann", email="ann@p.example")
    services.lead_win(lead=created, by=partner_admin)
    services.lead_decline(lead=LeadFactory(partner=org), by=partner_admin, reason="not_a_fit")
    services.lead_lose(lead=AcceptedLeadFactory(partner=org), by=partner_admin, reason="no_budget")
    overdue = LeadFactory(partner=org, received_at=timezone.now() - timedelta(days=30))
    assert services.leads_expire_overdue() == 1
    expected = [
        "lead.received",
        "lead.accepted",
        "lead.updated",
        "lead.updated",
        "lead.won",
        "lead.declined",
        "lead.lost",
        "lead.expired",
    ]
    received = receiver.wait_for(len(expected), worker=worker)
    time.sleep(1)
    assert len(receiver.received) == len(expected)
    assert sorted(request.json["type"] for request in received) == sorted(expected)
    assert len({request.headers["webhook-id"] for request in received}) == len(expected)
    of_created = [request.json for request in received if request.json["data"]["id"] == str(created.pk)]
    assert sorted(body["type"] for body in of_created) == sorted(expected[:5])
    assert [body["data"]["status"] for body in of_created if body["type"] == "lead.won"] == ["won"]
    [expired] = [request.json for request in received if request.json["type"] == "lead.expired"]
    assert expired["data"]["id"] == str(overdue.pk) and expired["data"]["status"] == "expired"


def test_an_archived_leads_events_stop_at_its_final_one(worker, receiver, endpoint_for, org, partner_admin):
    endpoint_for(receiver.url())
    lead = AcceptedLeadFactory(partner=org)
    services.lead_lose(lead=lead, by=partner_admin, reason="no_budget")
    for late_change in (
        lambda: services.lead_update_deal(lead=lead, by=partner_admin, notes="after the end"),
        lambda: services.lead_add_team_member(lead=lead, by=partner_admin, name="B", email="b@x.example"),
        lambda: services.lead_win(lead=lead, by=partner_admin),
    ):
        with pytest.raises(LeadConflict):
            late_change()
    services.lead_favorite_set(lead=lead, by=partner_admin, favorite=True)  # a personal mark, not an event
    receiver.wait_for(1, worker=worker)
    time.sleep(1.5)
    assert [request.json["type"] for request in receiver.received] == ["lead.lost"]
    assert Delivery.objects.count() == 1


def test_while_a_rotated_secret_overlaps_both_signatures_verify(worker, receiver, endpoint_for, org, partner_admin):
    endpoint, old = endpoint_for(receiver.url())
    from webhooks.services import endpoint_rotate_secret

    _endpoint, new = endpoint_rotate_secret(by=partner_admin, endpoint_id=endpoint.pk)
    services.lead_accept(lead=LeadFactory(partner=org), by=partner_admin, **DEAL)
    [request] = receiver.wait_for(1, worker=worker)
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(request.body, request.headers)["type"] == "lead.accepted"
    assert Webhook(new).verify(request.body, request.headers)["type"] == "lead.accepted"


def test_an_endpoint_failing_for_three_days_is_disabled(worker, receiver, endpoint_for, org, partner_admin):
    receiver.default = 500
    endpoint, _secret = endpoint_for(receiver.url())
    Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(hours=73))
    services.lead_accept(lead=LeadFactory(partner=org), by=partner_admin, **DEAL)
    wait_until(lambda: not Endpoint.objects.get().is_active, worker=worker, what="disabled")
    assert Endpoint.objects.get().disabled_reason == "failing"
    assert len(receiver.received) == 1 and Delivery.objects.get().status == DeliveryStatus.FAILED


def test_a_delivery_that_keeps_failing_gives_up_after_the_last_retry(
    worker, receiver, endpoint_for, org, partner_admin
):
    receiver.default = 500
    endpoint_for(receiver.url())
    services.lead_accept(lead=LeadFactory(partner=org), by=partner_admin, **DEAL)
    wait_until(lambda: Delivery.objects.get().status == DeliveryStatus.FAILED, worker=worker, what="given up")
    assert len(receiver.received) == 4  # the first try and the three retries of the test schedule
    assert Endpoint.objects.get().is_active and Endpoint.objects.get().failing_since is not None


def test_a_batch_for_a_slow_receiver_goes_back_to_the_queue_instead_of_holding_a_worker(
    worker, receiver, endpoint_for, org
):
    receiver.default = (200, 0.8, {})  # under the worker's 1 s timeout; three of them outlast the 2 s budget
    endpoint_for(receiver.url())
    for _ in range(5):
        LeadFactory(partner=org, received_at=timezone.now() - timedelta(days=30))
    started_log = worker.log().count("webhook_deliver_many")
    assert services.leads_expire_overdue(workers=1) == 5  # one batch: one task of five deliveries
    wait_until(
        lambda: Delivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 5,
        worker=worker,
        timeout=45,
        what="all five delivered",
    )
    received = worker.log().count("webhook_deliver_many") - started_log
    assert received >= 2 * 2  # "received" and "succeeded" of the first task and of at least one re-queued rest
    assert len({request.headers["webhook-id"] for request in receiver.received}) == 5
