"""Leads, their customers, deal teams, favourites and the immutable history of what happened to them."""
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from profiles.models import CompanySize, Organisation


class LeadType(models.TextChoices):
    CUSTOMER_INQUIRY = "customer_inquiry", _("Customer inquiry")
    MARKETING_QUALIFIED = "marketing_qualified", _("Marketing qualified")
    SALES_QUALIFIED = "sales_qualified", _("Sales qualified")


class Tab(models.TextChoices):
    MARKETPLACE = "marketplace", _("Marketplace leads")
    QUALIFIED = "qualified", _("Qualified leads")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")


class Stage(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    ARCHIVED = "archived", _("Archived")


ARCHIVED_STATUSES = frozenset({Status.WON, Status.LOST, Status.DECLINED, Status.EXPIRED})
STAGE_STATUSES = {
    Stage.RECEIVED: [Status.RECEIVED],
    Stage.ACCEPTED: [Status.ACCEPTED],
    Stage.ARCHIVED: sorted(ARCHIVED_STATUSES),
}


class DeclineReason(models.TextChoices):
    NOT_A_FIT = "not_a_fit", _("Not a fit for our business")
    INSUFFICIENT_INFORMATION = "insufficient_information", _("Insufficient information")
    CUSTOMER_UNREACHABLE = "customer_unreachable", _("Customer not reachable")
    NO_BUDGET = "no_budget", _("Customer has no budget")
    TIMELINE_TOO_SHORT = "timeline_too_short", _("Timeline too short")
    DUPLICATE_OR_SPAM = "duplicate_or_spam", _("Duplicate or spam")
    OTHER = "other", _("Other")


class LostReason(models.TextChoices):
    NO_RESPONSE = "no_response", _("Customer did not respond")
    CHOSE_ANOTHER_VENDOR = "chose_another_vendor", _("Customer chose another vendor")
    TIMELINE_TOO_SHORT = "timeline_too_short", _("Proposed timeline too short")
    NO_BUDGET = "no_budget", _("Customer did not have budget")
    OTHER = "other", _("Other")


def may_act_on(lead: "Lead", user) -> bool:
    """The transition permission: vendor ops staff, or a partner member of the lead's own organisation."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_staff:
        return True
    membership = getattr(user, "membership", None)
    return membership is not None and membership.organisation_id == lead.partner_id


def only_the_job(lead: "Lead", user) -> bool:
    """Expiry is the periodic job's alone; no person triggers it."""
    return user is None


class Customer(models.Model):
    """The company (and person) a lead is about."""

    company = models.CharField(max_length=200)
    contact_name = models.CharField(max_length=200)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    company_size = models.CharField(max_length=10, choices=CompanySize.choices, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2 code."))
    city = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.company} ({self.contact_name})"


class Lead(ConcurrentTransitionMixin, models.Model):
    """A sales lead sent to one partner, moving through the lifecycle of DESIGN §3.

    ConcurrentTransitionMixin makes any save refuse to overwrite a status that changed since the row was read.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed as the first column of every list index below, so no single-column index of its own.
    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="leads", db_index=False)
    lead_type = models.CharField(max_length=20, choices=LeadType.choices)
    # Derived from lead_type, stored so that each tab's list has an index to walk in order.
    tab = models.GeneratedField(
        expression=Case(
            When(lead_type=LeadType.CUSTOMER_INQUIRY, then=Value(Tab.MARKETPLACE.value)),
            default=Value(Tab.QUALIFIED.value),
        ),
        output_field=models.CharField(max_length=12, choices=Tab.choices),
        db_persist=True,
    )
    # No index of its own: nothing reads leads by customer (each lead has its own customer row) and customers are
    # never deleted, while an index would cost every lead write (the expiry job's most of all).
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="leads", db_index=False)
    need = models.TextField(max_length=10000)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    referring_partner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    referred_by_email = models.EmailField(blank=True, help_text=_("Who is told when the lead expires."))
    received_at = models.DateTimeField(default=timezone.now)
    respond_by = models.DateTimeField(editable=False)
    contact_requested = models.BooleanField(default=False, help_text=_("The customer asked to be contacted directly."))
    is_hot = models.BooleanField(default=False, editable=False)

    status = FSMField(default=Status.RECEIVED, choices=Status.choices, protected=True, max_length=10)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)

    deal_name = models.CharField(max_length=200, blank=True)
    deal_value = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, default="USD")
    estimated_close_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True, max_length=10000)
    crm_id = models.CharField(max_length=100, blank=True, verbose_name="CRM id")
    campaign_id = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=30, blank=True)
    reason_notes = models.TextField(blank=True, max_length=5000)

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["partner", "tab", "status", "-received_at", "-id"], name="lead_tab_status_idx"),
            models.Index(fields=["partner", "tab", "-received_at", "-id"], name="lead_tab_idx"),
            # Every partner's leads newest first, for vendor ops staff (the admin's list, a tab across partners).
            models.Index(fields=["-received_at", "-id"], name="lead_received_idx"),
            # The "highest deal value" order (selectors.SORTS) has lead_tab_deal_value_idx, made on PostgreSQL by
            # migration 0005: SQLite cannot index NULLS LAST, and would fail rebuilding this table if it were here.
            models.Index(fields=["received_at"], name="lead_received_due_idx", condition=Q(status="received")),
            # What the hot-flag job scans: archived leads keep their flag (they are read-only), so they stay out.
            models.Index(fields=["received_at"], name="lead_hot_idx",
                         condition=Q(is_hot=True, status__in=["received", "accepted"])),
            # The tab counts and the "waiting" filter read only received leads: a small index, cheap to count.
            models.Index(fields=["partner", "tab", "-received_at", "-id"], name="lead_waiting_idx",
                         condition=Q(status="received")),
            # Mostly NULL foreign keys: index only the rows that have one (the PROTECT checks need no more).
            models.Index(fields=["referred_by"], name="lead_referred_by_idx", condition=Q(referred_by__isnull=False)),
            models.Index(fields=["referring_partner"], name="lead_referring_partner_idx",
                         condition=Q(referring_partner__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(deal_value__gte=0) | Q(deal_value__isnull=True), name="lead_deal_value_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.customer.company if self.customer_id else '?'} → {self.partner_id} [{self.status}]"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_status = instance.__dict__.get("status")
        return instance

    def save(self, *args, **kwargs):
        if getattr(self, "_loaded_status", None) in ARCHIVED_STATUSES:
            raise LeadArchived(self)
        if self.respond_by is None or self._state.adding:
            self.respond_by = self.received_at + timedelta(days=settings.LEADHUB_RESPONSE_DAYS)
            self.is_hot = self.contact_requested and self.hot_until > timezone.now()
        super().save(*args, **kwargs)
        self._loaded_status = self.status

    @property
    def stage(self) -> str:
        if self.status in ARCHIVED_STATUSES:
            return Stage.ARCHIVED
        return Stage(self.status)

    @property
    def is_archived(self) -> bool:
        return self.status in ARCHIVED_STATUSES

    @property
    def hot_until(self):
        return self.received_at + timedelta(hours=settings.LEADHUB_HOT_HOURS)

    @property
    def reason_label(self) -> str:
        choices = LostReason if self.status == Status.LOST else DeclineReason
        return dict(choices.choices).get(self.reason, self.reason)

    # The lifecycle. Transitions change fields only; services check input, save and record history.

    @transition(field=status, source=Status.RECEIVED, target=Status.ACCEPTED, permission=may_act_on,
                custom={"label": _("Accept"), "form": "leads.forms.AcceptForm"})
    def accept(self) -> None:
        self.decided_at = timezone.now()

    @transition(field=status, source=Status.RECEIVED, target=Status.DECLINED, permission=may_act_on,
                custom={"label": _("Decline"), "form": "leads.forms.DeclineForm"})
    def decline(self, *, reason: str, reason_notes: str = "") -> None:
        self.decided_at = timezone.now()
        self.is_hot = False  # an archived lead is never hot, and the hot-flag job may not touch it any more
        self.reason = reason
        self.reason_notes = reason_notes

    @transition(field=status, source=Status.RECEIVED, target=Status.EXPIRED, permission=only_the_job,
                custom={"admin": False})
    def expire(self) -> None:
        pass

    @transition(field=status, source=Status.ACCEPTED, target=Status.WON, permission=may_act_on,
                custom={"label": _("Mark won")})
    def win(self) -> None:
        self.is_hot = False

    @transition(field=status, source=Status.ACCEPTED, target=Status.LOST, permission=may_act_on,
                custom={"label": _("Mark lost"), "form": "leads.forms.LoseForm"})
    def lose(self, *, reason: str, reason_notes: str = "") -> None:
        self.is_hot = False
        self.reason = reason
        self.reason_notes = reason_notes


# What the search box of a lead list looks in, in this order; a search matches when it is part of one of them.
SEARCHED_FIELDS = ("customer__company", "customer__contact_name", "customer__email", "need", "deal_name", "crm_id")


def search_text(*values: str) -> str:
    """The searched fields' values as LeadSearch stores them: lower case, one per line (no search spans two)."""
    return "\n".join(value.lower() for value in values if value)


class LeadSearch(models.Model):
    """One row per lead holding what a search looks in, under a trigram index (PostgreSQL, migration 0009).

    A table of its own rather than a column of the lead: status changes (the expiry job updates thousands of
    leads a second) then never rewrite the trigram index, and one index covers fields of two tables. Written by
    the services whenever a searched field changes (`leads.services.leads_search_index`,
    `leads.services.leads_search_refresh`).
    """

    lead = models.OneToOneField(Lead, on_delete=models.CASCADE, primary_key=True, related_name="search")
    text = models.TextField()

    def __str__(self) -> str:
        return f"search of {self.lead_id}"


class LeadArchived(Exception):
    """Raised on any attempt to save a lead that is won, lost, declined or expired."""

    def __init__(self, lead: Lead):
        super().__init__(f"This lead is {lead._loaded_status} and can no longer change.")
        self.lead = lead


class TeamMember(models.Model):
    """A person on the partner's side who works an accepted deal."""

    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="team")
    name = models.CharField(max_length=200)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return self.name


class Favorite(models.Model):
    """A user's heart on a lead."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorite_leads")
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="favorites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lead"], name="favorite_once_per_user")]
        indexes = [models.Index(fields=["user", "-created_at"], name="favorite_user_idx")]


class EventAction(models.TextChoices):
    CREATE = "create", _("Created")
    ACCEPT = "accept", _("Accepted")
    DECLINE = "decline", _("Declined")
    EXPIRE = "expire", _("Expired")
    EDIT = "edit", _("Deal edited")
    TEAM = "team", _("Team member added")
    WIN = "win", _("Marked won")
    LOSE = "lose", _("Marked lost")
    NOTE = "note", _("Customer wrote again")
    ERASE = "erase", _("Personal data erased")


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
    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="events", db_index=False)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    action = models.CharField(max_length=10, choices=EventAction.choices)
    from_status = models.CharField(max_length=10, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Status.choices, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    objects = LeadEventQuerySet.as_manager()

    class Meta:
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


class EmailKind(models.TextChoices):
    NEW_LEAD = "new_lead", _("New lead alert to the partner")
    FOLLOW_UP = "follow_up", _("Follow-up alert: the customer wrote again")
    DECLINE = "decline", _("Declined: the customer may choose another partner")
    EXPIRE = "expire", _("Expired: the referrer is told")


class EmailDelivery(models.Model):
    """One e-mail sent about a lead. The row is written in the transaction that sends the message,
    so its unique key lets a retried or duplicated task see what was already sent and skip it.

    Most kinds are sent once per lead; a follow-up alert once per follow-up (its history event)."""

    kind = models.CharField(max_length=10, choices=EmailKind.choices)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="email_deliveries")
    event = models.ForeignKey(LeadEvent, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="email_deliveries")
    recipient = models.EmailField()
    language = models.CharField(max_length=8)
    subject = models.CharField(max_length=255)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "lead", "recipient"], condition=Q(event__isnull=True),
                                    name="email_delivery_once"),
            models.UniqueConstraint(fields=["kind", "event", "recipient"], condition=Q(event__isnull=False),
                                    name="email_delivery_once_per_event"),
        ]
        verbose_name_plural = "e-mail deliveries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"
