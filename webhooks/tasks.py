"""Celery tasks of webhooks: sending a delivery (on the `webhooks` queue), the sweep, the disabled-endpoint e-mail."""
from collections.abc import Iterable
from smtplib import SMTPException

from celery import shared_task
from django.db import OperationalError

from webhooks import notifications, sending


@shared_task(autoretry_for=(OperationalError,), retry_backoff=5, retry_backoff_max=300, max_retries=5)
def webhook_deliver(delivery_id: int) -> bool | None:
    """Send one delivery if it is due (routed to the `webhooks` queue by CELERY_TASK_ROUTES); safe to run twice."""
    return sending.delivery_send(delivery_id=delivery_id)


def queue_deliveries(delivery_ids: Iterable[int], *, countdown: float | None = None) -> None:
    """Queue one task per delivery over one broker connection (an expiry batch makes a thousand)."""
    with webhook_deliver.app.producer_or_acquire() as producer:
        for delivery_id in delivery_ids:
            webhook_deliver.apply_async((delivery_id,), countdown=countdown, producer=producer)


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
