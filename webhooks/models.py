"""Webhook endpoints of partner organisations, one delivery per (event, endpoint), and every attempt to send it."""

import re
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models import Lead
from profiles.models import Organisation


class EventType(models.TextChoices):
    RECEIVED = "lead.received", _("A lead was received")
    ACCEPTED = "lead.accepted", _("A lead was accepted")
    DECLINED = "lead.declined", _("A lead was declined")
    UPDATED = "lead.updated", _("A deal was edited, got a team member, or the customer wrote again")
    WON = "lead.won", _("A lead was won")
    LOST = "lead.lost", _("A lead was lost")
    EXPIRED = "lead.expired", _("A lead expired unanswered")


# Sent by the "send a test event" button only; endpoints cannot subscribe to it.
TEST_EVENT = "webhook.test"


class DisabledReason(models.TextChoices):
    GONE = "gone", _("The receiver answered 410 Gone.")
    FAILING = "failing", _("Every delivery failed for three days.")


class Endpoint(models.Model):
    """A URL of a partner's CRM that receives its organisation's lead events, signed with the endpoint's secret."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(max_length=2000)
    # Event type names; empty: every type.
    events = models.JSONField(default=list, blank=True)
    # False once LeadHub disabled it (the receiver answered 410, or failed for three days); resuming enables it.
    is_active = models.BooleanField(default=True)
    paused = models.BooleanField(default=False)
    disabled_reason = models.CharField(max_length=10, choices=DisabledReason.choices, blank=True)
    # Fernet tokens (webhooks.secrets): the secret is shown once, then only decrypted to sign.
    secret_encrypted = models.TextField()
    previous_secret_encrypted = models.TextField(blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    # The first failed attempt since the last success; three days of failures disable the endpoint.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["organisation"], name="webhook_endpoint_live_idx", condition=Q(is_active=True, paused=False)
            )
        ]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


def new_webhook_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


WEBHOOK_ID = re.compile(r"msg_[0-9a-f]{32}")  # what new_webhook_id makes


class Delivery(models.Model):
    """One event for one endpoint, created in the transaction of the change; `webhook_id` stays the same for every
    attempt, so a receiver can drop what it already has."""

    # No index of its own: webhook_delivery_log_idx begins with the endpoint (each index is one more entry to write
    # for every delivery, a thousand per batch of the expiry job).
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries", db_index=False)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False)
    # The lead's history event (LeadEvent id) it reports; null for a test event.
    event_id = models.BigIntegerField(null=True, blank=True)
    event_type = models.CharField(max_length=30)
    # Unique by a constraint: `unique=True` would add a second, pattern-matching index that nothing uses.
    webhook_id = models.CharField(max_length=40, default=new_webhook_id)
    # The lead as GET /api/v1/leads/<id> showed it when the change committed.
    payload = models.JSONField()
    occurred_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    # When a task to send it was last put on the queue; null while it waits for the sweep (a long back-off).
    queued_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["webhook_id"], name="webhook_delivery_webhook_id_unique"),
            models.UniqueConstraint(
                fields=["endpoint", "event_id"],
                condition=Q(event_id__isnull=False),
                name="webhook_delivery_once_per_event",
            ),
        ]
        indexes = [
            models.Index(fields=["endpoint", "-created_at", "-id"], name="webhook_delivery_log_idx"),
            models.Index(fields=["next_attempt_at"], name="webhook_delivery_due_idx", condition=Q(status="pending")),
            models.Index(fields=["lead"], name="webhook_delivery_lead_idx", condition=Q(lead__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} [{self.status}]"

    def body(self) -> dict:
        return {
            "type": self.event_type,
            "timestamp": self.occurred_at.isoformat().replace("+00:00", "Z"),
            "data": self.payload,
        }


class Attempt(models.Model):
    """One try to send a delivery: when, what came back (or what went wrong), how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_body = models.CharField(max_length=1024, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
