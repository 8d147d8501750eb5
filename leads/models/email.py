"""The record of every e-mail sent about a lead, which makes each one go out exactly once."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models.choices import EmailKind
from leads.models.history import LeadEvent
from leads.models.lead import Lead


class EmailDelivery(models.Model):
    """One e-mail sent about a lead. The row is written in the transaction that sends the message,
    so its unique key lets a retried or duplicated task see what was already sent and skip it.

    Most kinds are sent once per lead; a follow-up alert once per follow-up (its history event)."""

    kind = models.CharField(max_length=10, choices=EmailKind.choices, verbose_name=_("kind"))
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="email_deliveries", verbose_name=_("lead"))
    event = models.ForeignKey(
        LeadEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="email_deliveries",
        verbose_name=_("event"),
    )
    recipient = models.EmailField(verbose_name=_("recipient"))
    language = models.CharField(max_length=8, verbose_name=_("language"))
    subject = models.CharField(max_length=255, verbose_name=_("subject"))
    sent_at = models.DateTimeField(default=timezone.now, verbose_name=_("sent"))

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "lead", "recipient"], condition=Q(event__isnull=True), name="email_delivery_once"
            ),
            models.UniqueConstraint(
                fields=["kind", "event", "recipient"],
                condition=Q(event__isnull=False),
                name="email_delivery_once_per_event",
            ),
        ]
        verbose_name = _("e-mail delivery")
        verbose_name_plural = _("e-mail deliveries")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"
