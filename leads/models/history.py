"""The append-only history of what happened to each lead."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.models.choices import EventAction, Status
from leads.models.lead import Lead


class LeadEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise HistoryIsImmutable()

    def delete(self):
        raise HistoryIsImmutable()


class HistoryIsImmutable(Exception):
    def __init__(self):
        super().__init__("History events cannot be changed or deleted.")


class LeadEvent(models.Model):
    """One thing that happened to a lead: who, when, from which status to which, what changed. Append-only."""

    # Indexed by event_lead_at_idx (lead, at); the job's events have no actor, so only actors' rows are indexed.
    lead = models.ForeignKey(
        Lead,
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
        verbose_name=_("lead"),
    )
    at = models.DateTimeField(default=timezone.now, verbose_name=_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("actor"),
    )
    action = models.CharField(max_length=10, choices=EventAction.choices, verbose_name=_("action"))
    from_status = models.CharField(max_length=10, choices=Status.choices, blank=True, verbose_name=_("from status"))
    to_status = models.CharField(max_length=10, choices=Status.choices, blank=True, verbose_name=_("to status"))
    changes = models.JSONField(default=dict, blank=True, verbose_name=_("changes"))

    objects = LeadEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("history event")
        verbose_name_plural = _("history events")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["lead", "at"], name="event_lead_at_idx"),
            models.Index(fields=["actor"], name="event_actor_idx", condition=Q(actor__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise HistoryIsImmutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise HistoryIsImmutable()

    @property
    def actor_label(self) -> str:
        if self.actor_id is None:
            return "LeadHub"
        return self.actor.get_full_name() or self.actor.get_username()
