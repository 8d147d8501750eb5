"""Celery tasks of webhooks: sending a delivery (on the `webhooks` queue), the sweep, the disabled-endpoint e-mail."""

import time
from collections.abc import Iterable
from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from webhooks import notifications, sending


def _queue_retry(delivery_id: int, countdown: float) -> None:
    queue_deliveries([delivery_id], countdown=countdown)


def _notify_disabled(endpoint_id: int) -> None:
    webhook_disabled_notify.delay(endpoint_id=endpoint_id)


def _send(delivery_id: int) -> bool | None:
    follow_ups = sending.FollowUps(retry=_queue_retry, endpoint_disabled=_notify_disabled)
    return sending.delivery_send(delivery_id=delivery_id, follow_ups=follow_ups)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=300, max_retries=5)
def webhook_deliver(delivery_id: int) -> bool | None:
    """Send one delivery if it is due (routed to the `webhooks` queue by CELERY_TASK_ROUTES); safe to run twice."""
    return _send(delivery_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=300, max_retries=5)
def webhook_deliver_many(delivery_ids: list[int]) -> int:
    """Send several deliveries one after the other, so a batch's rows share one task's overhead; returns how many
    were delivered. Each is still locked, sent and recorded on its own (a retry of the task skips what was sent).

    A slow receiver must not hold a worker for the whole batch: after TASK_SECONDS the rest goes back to the end
    of the queue, behind other partners' deliveries (and, on a worker that also serves `celery`, the e-mails)."""
    started, delivered = time.monotonic(), 0
    for index, delivery_id in enumerate(delivery_ids):
        if index and time.monotonic() - started > TASK_SECONDS:
            queue_deliveries(delivery_ids[index:])
            break
        delivered += bool(_send(delivery_id))
    return delivered


# Deliveries queued together (an expiry batch, the sweep) travel this many to a task, and a task stops taking
# the next one after this many seconds.
DELIVERIES_PER_TASK = 10
TASK_SECONDS = 2.0


def queue_deliveries(delivery_ids: Iterable[int], *, countdown: float | None = None) -> None:
    """Queue the deliveries' tasks over one broker connection (an expiry batch makes a thousand deliveries)."""
    delivery_ids = list(delivery_ids)
    with webhook_deliver.app.producer_or_acquire() as producer:
        if len(delivery_ids) == 1:
            webhook_deliver.apply_async((delivery_ids[0],), countdown=countdown, producer=producer)
            return
        for start in range(0, len(delivery_ids), DELIVERIES_PER_TASK):
            webhook_deliver_many.apply_async(
                (delivery_ids[start : start + DELIVERIES_PER_TASK],), countdown=countdown, producer=producer
            )


@shared_task
def send_due_webhooks() -> int:
    """The beat job (every minute): queue the retries due after a long back-off, and deliveries whose task was lost."""
    due = sending.deliveries_due()
    queue_deliveries(due)
    return len(due)


@shared_task(autoretry_for=(SMTPException, OSError), retry_backoff=15, retry_backoff_max=600, max_retries=10)
def webhook_disabled_notify(*, endpoint_id: int) -> int:
    """Tell the organisation's partner admins that LeadHub disabled one of their endpoints."""
    return notifications.endpoint_disabled_email(endpoint_id=endpoint_id)
