"""Every write to webhook endpoints: register, rotate the secret, pause or resume, delete, test, send again."""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from common.validators import collect
from leads.events import after_commit
from profiles.models import Organisation
from webhooks.crypto import secret_encrypt, secret_generate
from webhooks.guard import clean_url
from webhooks.models import TEST_EVENT, Delivery, DeliveryStatus, Endpoint, EventType
from webhooks.selectors import endpoint_get_for, managed_organisation_id
from webhooks.tasks import queue_deliveries

# After a rotation the old secret keeps signing beside the new one for this long, so receivers can switch.
ROTATION_OVERLAP = timedelta(hours=24)


def clean_events(events) -> list[str]:
    """Known event type names, without duplicates, in the order given; an empty list means every type."""
    if events is None:
        return []
    if isinstance(events, str) or not isinstance(events, (list, tuple)):
        raise ValidationError(_("Give a list of event types."))
    known = set(EventType.values)
    unknown = [str(event) for event in events if not isinstance(event, str) or event not in known]
    if unknown:
        raise ValidationError(
            _("Unknown event type: %(names)s. Known: %(known)s.")
            % {"names": ", ".join(unknown), "known": ", ".join(EventType.values)}
        )
    return list(dict.fromkeys(events))


@transaction.atomic
def endpoint_create(*, by, url: str, events=None) -> tuple[Endpoint, str]:
    """Register an endpoint for the caller's organisation; returns it and its secret (shown this once)."""
    organisation_id = managed_organisation_id(by)
    cleaned = collect({"url": lambda: clean_url(url), "events": lambda: clean_events(events)})
    # One registration at a time per organisation, so two at once cannot both pass the limit.
    Organisation.objects.select_for_update().filter(pk=organisation_id).first()
    if Endpoint.objects.filter(organisation_id=organisation_id).count() >= settings.LEADHUB_WEBHOOKS_MAX_ENDPOINTS:
        raise ValidationError(
            {
                "url": [
                    _("An organisation may have at most %(max)d webhook endpoints; delete one first.")
                    % {"max": settings.LEADHUB_WEBHOOKS_MAX_ENDPOINTS}
                ]
            }
        )
    secret = secret_generate()
    endpoint = Endpoint.objects.create(
        organisation_id=organisation_id,
        url=cleaned["url"],
        events=cleaned["events"],
        secret_encrypted=secret_encrypt(secret),
    )
    return endpoint, secret


@transaction.atomic
def endpoint_rotate_secret(*, by, endpoint_id) -> tuple[Endpoint, str]:
    """A new secret (returned, shown once); the current one keeps signing beside it for 24 hours."""
    endpoint = endpoint_get_for(by, endpoint_id, for_update=True)
    secret = secret_generate()
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_expires_at = timezone.now() + ROTATION_OVERLAP
    endpoint.secret_encrypted = secret_encrypt(secret)
    endpoint.save(update_fields=["secret_encrypted", "previous_secret_encrypted", "previous_secret_expires_at"])
    return endpoint, secret


@transaction.atomic
def endpoint_delete(*, by, endpoint_id) -> None:
    """Delete the endpoint with its delivery log; nothing more is sent to it."""
    endpoint_get_for(by, endpoint_id, for_update=True).delete()


@transaction.atomic
def endpoint_set_paused(*, by, endpoint_id, paused: bool) -> Endpoint:
    """Pause (events are no longer recorded for it) or resume; resuming also re-enables an endpoint LeadHub
    disabled, and sends what was still pending."""
    endpoint = endpoint_get_for(by, endpoint_id, for_update=True)
    endpoint.paused = paused
    if not paused:
        endpoint.is_active, endpoint.disabled_reason, endpoint.failing_since = True, "", None
    endpoint.save(update_fields=["paused", "is_active", "disabled_reason", "failing_since"])
    if not paused:
        now = timezone.now()
        waiting = list(
            endpoint.deliveries.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now).values_list(
                "pk", flat=True
            )
        )
        Delivery.objects.filter(pk__in=waiting).update(queued_at=now)
        after_commit(partial(queue_deliveries, waiting))
    return endpoint


@transaction.atomic
def endpoint_send_test(*, by, endpoint_id) -> Delivery:
    """Queue a `webhook.test` event to the endpoint, signed and logged like any other."""
    endpoint = endpoint_get_for(by, endpoint_id)
    if endpoint.paused or not endpoint.is_active:
        raise ValidationError({"endpoint": [_("Resume the endpoint first: nothing is sent to it now.")]})
    now = timezone.now()
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event_type=TEST_EVENT,
        occurred_at=now,
        next_attempt_at=now,
        queued_at=now,
        payload={"message": "A test event from LeadHub.", "partner": endpoint.organisation.slug},
    )
    after_commit(partial(queue_deliveries, [delivery.pk]))
    return delivery


@transaction.atomic
def delivery_resend(*, by, endpoint_id, delivery_id) -> Delivery:
    """Send a delivery again, with its webhook-id and its data as they were, on a fresh round of retries."""
    endpoint = endpoint_get_for(by, endpoint_id)
    delivery = endpoint.deliveries.select_for_update().filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404(_("No such delivery."))
    if endpoint.paused or not endpoint.is_active:
        raise ValidationError({"endpoint": [_("Resume the endpoint first: nothing is sent to it now.")]})
    _send_again([delivery.pk])
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def deliveries_send_again(*, by, delivery_ids) -> int:
    """Ops staff (the admin's action): send these deliveries again, each with its webhook-id and data as they were,
    on a fresh round of retries. Those of a paused or disabled endpoint are left alone. Returns how many."""
    if not (getattr(by, "is_active", False) and getattr(by, "is_staff", False)):
        raise PermissionDenied(_("Only vendor ops staff send deliveries of any organisation again."))
    ids = list(
        Delivery.objects.select_for_update(of=("self",))
        .filter(pk__in=list(delivery_ids), endpoint__is_active=True, endpoint__paused=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    _send_again(ids)
    return len(ids)


def _send_again(delivery_ids: list[int]) -> None:
    """Reset locked deliveries to pending, due now, and queue them once the transaction commits."""
    now = timezone.now()
    Delivery.objects.filter(pk__in=delivery_ids).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, queued_at=now
    )
    after_commit(partial(queue_deliveries, delivery_ids))
