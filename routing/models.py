"""What routing has learnt from partners' answers, in its own tables (it never reads the leads app's)."""

from django.db import models

from profiles.models import Organisation


class PartnerStat(models.Model):
    """One partner's answers on one kind of lead: overall (`all`), or by lead type, size, country or keyword.

    Raw counters only; routing.history turns them into smoothed rates, so its weights can change without a rebuild.
    """

    # No index of its own: the unique key begins with it.
    partner = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    dimension = models.CharField(max_length=12)
    value = models.CharField(max_length=200, blank=True)
    offered = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    declined_not_fit = models.PositiveIntegerField(default=0)
    declined_other = models.PositiveIntegerField(default=0)
    expired = models.PositiveIntegerField(default=0)
    won = models.PositiveIntegerField(default=0)
    lost = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "dimension", "value"], name="routing_partnerstat_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} · {self.dimension}={self.value}"


class PartnerMonth(models.Model):
    """Qualified leads a partner received in a calendar month (UTC), against its monthly capacity."""

    # No index of its own: the unique key begins with it.
    partner = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField(help_text="The month's first day.")
    received = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "month"], name="routing_partnermonth_unique_key")]

    def __str__(self) -> str:
        return f"{self.partner_id} · {self.month:%Y-%m}: {self.received}"
