"""Sending one delivery, exactly as the e-mails are sent once: under its row lock, recorded in the same transaction.

A second task for the same delivery finds the row locked (it is being sent) or no longer due, and does nothing;
only a crash between the receiver's 2xx and the commit sends it twice, with the same webhook-id, which receivers
deduplicate by. A failure schedules the next try (Standard Webhooks' back-off, or a later Retry-After); the last
failure gives up. A 410 disables the endpoint at once, as do three days without a success.
"""

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from leads.events import after_commit
from webhooks.crypto import secret_decrypt
from webhooks.models import Attempt, Delivery, DeliveryStatus, DisabledReason, Endpoint
from webhooks.transport import Answer, post

logger = logging.getLogger(__name__)

# Retries this soon wait in the broker as a countdown; later ones (minutes to hours) are left to the sweep, since
# Redis hands an unacknowledged task to another worker once its visibility timeout passes.
COUNTDOWN_MAX = timedelta(minutes=10)
# No receiver may hold its deliveries back for longer than this with Retry-After.
RETRY_AFTER_MAX = timedelta(hours=24)


@dataclass(frozen=True)
class FollowUps:
    """What the caller (the tasks) queues once an attempt commits: a retry soon, the disabled-endpoint e-mail."""

    retry: Callable[[int, float], None] | None = None  # (delivery id, countdown seconds)
    endpoint_disabled: Callable[[int], None] | None = None  # (endpoint id)


NO_FOLLOW_UPS = FollowUps()


def signing_secrets(endpoint: Endpoint, now: datetime) -> list[str]:
    """The current secret, and the previous one while its 24 hours after a rotation last."""
    secrets = [secret_decrypt(endpoint.secret_encrypted)]
    if (
        endpoint.previous_secret_encrypted
        and endpoint.previous_secret_expires_at
        and endpoint.previous_secret_expires_at > now
    ):
        secrets.append(secret_decrypt(endpoint.previous_secret_encrypted))
    return secrets


def signed_request(delivery: Delivery, endpoint: Endpoint, now: datetime) -> tuple[bytes, dict[str, str]]:
    """The body and the Standard Webhooks headers (one signature per valid secret, space-separated)."""
    body = json.dumps(delivery.body(), separators=(",", ":"), ensure_ascii=False)
    signatures = [Webhook(secret).sign(delivery.webhook_id, now, body) for secret in signing_secrets(endpoint, now)]
    headers = {
        "webhook-id": delivery.webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
    return body.encode(), headers


# The two statements every delivery runs are written out: building them through the ORM cost the worker more CPU
# than PostgreSQL spent running them. The first locks a pending delivery (skipping one being sent) and reads its
# endpoint; the second records the attempt and the delivery's new state at once.
_DELIVERY_FIELDS, _ENDPOINT_FIELDS = Delivery._meta.concrete_fields, Endpoint._meta.concrete_fields
_LOCK_SQL = (
    f"SELECT {', '.join(f'd.{field.column}' for field in _DELIVERY_FIELDS)},"
    f" {', '.join(f'e.{field.column}' for field in _ENDPOINT_FIELDS)}"
    f" FROM {Delivery._meta.db_table} d JOIN {Endpoint._meta.db_table} e ON e.id = d.endpoint_id"
    " WHERE d.id = %s AND d.status = %s FOR UPDATE OF d SKIP LOCKED"
)
_RECORD_SQL = (
    f"WITH attempt AS (INSERT INTO {Attempt._meta.db_table}"
    " (delivery_id, at, status_code, duration_ms, response_body, error) VALUES (%s, %s, %s, %s, %s, %s))"
    f" UPDATE {Delivery._meta.db_table}"
    " SET status = %s, attempts = %s, next_attempt_at = %s, queued_at = %s, delivered_at = %s WHERE id = %s"
)


def _instance(model, fields, values):
    values = [
        field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(fields, values, strict=True)
    ]
    return model.from_db(connection.alias, [field.attname for field in fields], values)


def _locked_delivery(delivery_id: int) -> Delivery | None:
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_SQL, [delivery_id, DeliveryStatus.PENDING])
        row = cursor.fetchone()
    if row is None:
        return None
    delivery = _instance(Delivery, _DELIVERY_FIELDS, row[: len(_DELIVERY_FIELDS)])
    delivery.endpoint = _instance(Endpoint, _ENDPOINT_FIELDS, row[len(_DELIVERY_FIELDS) :])
    return delivery


def delivery_send(*, delivery_id: int, follow_ups: FollowUps = NO_FOLLOW_UPS) -> bool | None:
    """Try to send the delivery if it is due; True: delivered, False: failed (a retry is scheduled or it gave
    up), None: nothing to do (sent, in flight, not due, or its endpoint is paused)."""
    with transaction.atomic():
        delivery = _locked_delivery(delivery_id)
        if delivery is None:
            return None
        endpoint, now = delivery.endpoint, timezone.now()
        if not endpoint.is_active:
            _give_up(delivery)
            delivery.save(update_fields=["status", "next_attempt_at"])
            return False
        if endpoint.paused or (delivery.next_attempt_at and delivery.next_attempt_at > now + timedelta(seconds=1)):
            return None
        body, headers = signed_request(delivery, endpoint, now)
        answer = post(endpoint.url, body, headers)
        _record(delivery, endpoint, answer, now, follow_ups)
        return answer.succeeded


def _record(delivery: Delivery, endpoint: Endpoint, answer: Answer, now: datetime, follow_ups: FollowUps) -> None:
    delivery.attempts += 1
    _decide(delivery, endpoint, answer, now, follow_ups)
    with connection.cursor() as cursor:
        cursor.execute(
            _RECORD_SQL,
            [
                delivery.pk,
                now,
                answer.status_code,
                answer.duration_ms,
                answer.body,
                answer.error,
                delivery.status,
                delivery.attempts,
                delivery.next_attempt_at,
                delivery.queued_at,
                delivery.delivered_at,
                delivery.pk,
            ],
        )


def _decide(delivery: Delivery, endpoint: Endpoint, answer: Answer, now: datetime, follow_ups: FollowUps) -> None:
    """The delivery's state after this attempt (saved by the caller), and what the endpoint makes of it."""
    if answer.succeeded:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
        if endpoint.failing_since is not None:
            Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        logger.debug("Delivered webhook %s to endpoint %s.", delivery.webhook_id, endpoint.pk)
        return
    logger.info(
        "Webhook %s to endpoint %s failed: %s.", delivery.webhook_id, endpoint.pk, answer.status_code or answer.error
    )
    if answer.status_code == 410:
        endpoint_disable(endpoint=endpoint, reason=DisabledReason.GONE, notify=follow_ups.endpoint_disabled)
        _give_up(delivery)
        return
    disable_after = timedelta(hours=settings.LEADHUB_WEBHOOKS_DISABLE_AFTER_HOURS)
    if endpoint.failing_since is None:
        Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
    elif (
        now - endpoint.failing_since >= disable_after
        and Endpoint.objects.filter(pk=endpoint.pk, failing_since__lte=now - disable_after).exists()
    ):  # not cleared by a success meanwhile
        endpoint_disable(endpoint=endpoint, reason=DisabledReason.FAILING, notify=follow_ups.endpoint_disabled)
        _give_up(delivery)
        return
    _schedule_retry(delivery, answer, now, follow_ups.retry)


def _schedule_retry(
    delivery: Delivery, answer: Answer, now: datetime, queue_retry: Callable[[int, float], None] | None
) -> None:
    delays = settings.LEADHUB_WEBHOOKS_RETRY_DELAYS
    if delivery.attempts > len(delays):
        _give_up(delivery)
        return
    wait = timedelta(seconds=delays[delivery.attempts - 1])
    if answer.retry_after is not None:
        wait = max(wait, min(answer.retry_after, RETRY_AFTER_MAX))
    delivery.next_attempt_at = now + wait
    delivery.queued_at = now if wait <= COUNTDOWN_MAX else None
    if delivery.queued_at is not None and queue_retry is not None:
        after_commit(partial(queue_retry, delivery.pk, wait.total_seconds()))


def _give_up(delivery: Delivery) -> None:
    delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None


def endpoint_disable(*, endpoint: Endpoint, reason: str, notify: Callable[[int], None] | None = None) -> bool:
    """Disable the endpoint (once: a second call finds it disabled) and have its partner admins told (`notify`)."""
    if not Endpoint.objects.filter(pk=endpoint.pk, is_active=True).update(is_active=False, disabled_reason=reason):
        return False
    endpoint.is_active, endpoint.disabled_reason = False, reason
    logger.warning("Disabled webhook endpoint %s: %s", endpoint.pk, reason)
    if notify is not None:
        after_commit(partial(notify, endpoint.pk))
    return True


def deliveries_due(
    *, now: datetime | None = None, lost_after: timedelta = timedelta(hours=1), limit: int = 5000
) -> list[int]:
    """Pending deliveries that are due and have no task on the way: waiting for the sweep after a long back-off,
    or queued over an hour ago and still not sent (the task was lost: the broker was down at commit, a worker died).
    Rows being sent right now are locked, and skipped. Marks them queued."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status=DeliveryStatus.PENDING,
                next_attempt_at__lte=now,
                endpoint__is_active=True,
                endpoint__paused=False,
            )
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=now - lost_after))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        Delivery.objects.filter(pk__in=due).update(queued_at=now)
    return due
