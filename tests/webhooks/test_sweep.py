"""The sweep (every minute): queue what is due after a long back-off and what a lost task never sent; never what
is on its way, paused, or disabled."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from leadhub.celery import app as celery_app
from webhooks.models import Delivery
from webhooks.sending import deliveries_due
from webhooks.services import endpoint_create, endpoint_set_paused

pytestmark = pytest.mark.django_db
URL = "http://127.0.0.1:9/hook"


def delivery(endpoint, **fields):
    return Delivery.objects.create(endpoint=endpoint, event_type="lead.updated", payload={}, **fields)


def test_the_sweep_queues_long_waits_and_lost_tasks_only(partner_admin):
    endpoint, _ = endpoint_create(by=partner_admin, url=URL)
    now = timezone.now()
    long_wait = delivery(endpoint, next_attempt_at=now - timedelta(seconds=5), queued_at=None)
    lost = delivery(endpoint, next_attempt_at=now - timedelta(hours=2), queued_at=now - timedelta(hours=2))
    on_its_way = delivery(endpoint, next_attempt_at=now - timedelta(seconds=5), queued_at=now - timedelta(minutes=5))
    not_due = delivery(endpoint, next_attempt_at=now + timedelta(hours=1), queued_at=None)
    done = delivery(endpoint, status="delivered", next_attempt_at=None, queued_at=None)
    assert sorted(deliveries_due(now=now)) == sorted([long_wait.pk, lost.pk])
    assert deliveries_due(now=now) == []  # marked queued, so the next sweep leaves them to their task
    assert Delivery.objects.get(pk=long_wait.pk).queued_at == now
    assert {on_its_way.pk, not_due.pk, done.pk}.isdisjoint(deliveries_due(now=now + timedelta(minutes=1)))


def test_the_sweep_leaves_paused_and_disabled_endpoints_alone(partner_admin):
    paused, _ = endpoint_create(by=partner_admin, url=URL + "/p")
    disabled, _ = endpoint_create(by=partner_admin, url=URL + "/d")
    endpoint_set_paused(by=partner_admin, endpoint_id=paused.pk, paused=True)
    type(disabled).objects.filter(pk=disabled.pk).update(is_active=False)
    for endpoint in (paused, disabled):
        delivery(endpoint, next_attempt_at=timezone.now() - timedelta(minutes=1), queued_at=None)
    assert deliveries_due() == []


def test_the_sweep_runs_every_minute_and_sends_go_to_the_webhooks_queue():
    schedule = settings.CELERY_BEAT_SCHEDULE["send-due-webhooks"]
    assert schedule["schedule"] == 60 and schedule["task"] in celery_app.tasks
    assert {queue.name for queue in celery_app.conf.task_queues} == {"celery", "webhooks"}
    route = celery_app.amqp.router.route({}, "webhooks.tasks.webhook_deliver")
    assert route["queue"].name == "webhooks"
    assert celery_app.amqp.router.route({}, "webhooks.tasks.webhook_deliver_many")["queue"].name == "webhooks"
    assert celery_app.amqp.router.route({}, "leads.tasks.lead_notify")["queue"].name == "celery"
