"""Per-partner daily rollups of the lead table: what the insights and the league add up instead of every lead.

A row describes the leads a partner *received* on a day (in the site's time zone) by their *current* status, so a
period of days is a sum of rows. The event subscriber (insights.subscribers) recomputes the days a change touched,
after it commits; the nightly job (insights.tasks) and `manage.py insights_rebuild` recompute every day. Both go
through insights.rollups, so the two always agree (tests/insights/test_rollups.py).
"""

from django.db import models

from leads.models import LeadType, Status
from profiles.models import Organisation

# The time-to-answer histogram's buckets: upper bounds in hours; the last bucket has none.
ANSWER_BUCKET_HOURS = (1, 4, 8, 24, 48, 72, 168)
ANSWER_COLUMNS = tuple(f"answered_{index}" for index in range(len(ANSWER_BUCKET_HOURS) + 1))
STATUS_COLUMNS = tuple(Status.values)  # leads now in each status
TYPE_COLUMNS = tuple(LeadType.values)  # leads of each type
COUNT_COLUMNS = (*STATUS_COLUMNS, *TYPE_COLUMNS, *ANSWER_COLUMNS)


class AnswerSeconds(models.Field):
    """The answered leads' times to answer in seconds, ascending: `double precision[]` on PostgreSQL, where the
    percentiles are read from it; elsewhere (SQLite, development) an unused text column, always NULL."""

    description = "Seconds to answer, ascending"

    def db_type(self, connection):
        return "double precision[]" if connection.vendor == "postgresql" else "text"

    def get_db_prep_value(self, value, connection, prepared=False):
        return value if connection.vendor == "postgresql" else None


class PartnerDay(models.Model):
    """How many of the leads a partner received on `day` are now in each status, of each type, and were answered
    in each bucket of the time-to-answer histogram."""

    # No index of its own: the unique key begins with it.
    partner = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    # Leads now in each status (Status), of each type (LeadType), answered in each histogram bucket (ANSWER_COLUMNS).
    received = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    won = models.PositiveIntegerField(default=0)
    lost = models.PositiveIntegerField(default=0)
    declined = models.PositiveIntegerField(default=0)
    expired = models.PositiveIntegerField(default=0)
    customer_inquiry = models.PositiveIntegerField(default=0)
    marketing_qualified = models.PositiveIntegerField(default=0)
    sales_qualified = models.PositiveIntegerField(default=0)
    answered_0 = models.PositiveIntegerField(default=0)
    answered_1 = models.PositiveIntegerField(default=0)
    answered_2 = models.PositiveIntegerField(default=0)
    answered_3 = models.PositiveIntegerField(default=0)
    answered_4 = models.PositiveIntegerField(default=0)
    answered_5 = models.PositiveIntegerField(default=0)
    answered_6 = models.PositiveIntegerField(default=0)
    answered_7 = models.PositiveIntegerField(default=0)
    answer_seconds = AnswerSeconds(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "day"], name="insights_partnerday_unique_key")]
        indexes = [models.Index(fields=["day"], name="insights_day_day_idx")]

    def __str__(self) -> str:
        return f"{self.partner_id} · {self.day}"


class Total(models.TextChoices):
    PIPELINE = "pipeline"  # deal values of the leads now accepted, per currency
    WON = "won"  # deal values of the leads now won, per currency
    DECLINED = "declined"  # leads now declined, per reason


class PartnerDayTotal(models.Model):
    """The open-ended figures of a partner's day: deal values per currency, decline reasons."""

    # No index of its own: the unique key begins with it.
    partner = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    kind = models.CharField(max_length=8, choices=Total.choices)
    key = models.CharField(max_length=30, blank=True, help_text="The currency, or the decline reason.")
    leads = models.PositiveIntegerField(default=0)
    value = models.DecimalField(max_digits=20, decimal_places=2, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "day", "kind", "key"], name="insights_partnerdaytotal_unique")
        ]
        indexes = [models.Index(fields=["day"], name="insights_total_day_idx")]

    def __str__(self) -> str:
        return f"{self.partner_id} · {self.day} · {self.kind}={self.key}"
