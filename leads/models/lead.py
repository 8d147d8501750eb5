"""Leads, their customers, deal teams and favourites, with the lifecycle of DESIGN §3 as a state machine."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from leads.models.choices import ARCHIVED_STATUSES, DeclineReason, LeadType, LostReason, Stage, Status, Tab
from leads.tenancy import may_act_on
from profiles.models import CompanySize, Organisation


def hot_state(*, contact_requested: bool, status: str, received_at, now=None) -> str:
    """The hot rule, in one place: 'hot' while a customer's request to be contacted is under LEADHUB_HOT_HOURS
    old, 'cooled' after it, '' when there is none or the lead is archived. The page, the list rows and the API
    read it live; the stored `is_hot` flag (for the hot index) is cleared by the cooling job on the same rule."""
    if not contact_requested or status in ARCHIVED_STATUSES:
        return ""
    return "hot" if (now or timezone.now()) < received_at + timedelta(hours=settings.LEADHUB_HOT_HOURS) else "cooled"


class Customer(models.Model):
    """The company (and person) a lead is about."""

    company = models.CharField(max_length=200, verbose_name=_("company"))
    contact_name = models.CharField(max_length=200, verbose_name=_("contact name"))
    email = models.EmailField(verbose_name=_("e-mail"))
    phone = models.CharField(max_length=40, blank=True, verbose_name=_("phone"))
    company_size = models.CharField(
        max_length=10,
        choices=CompanySize.choices,
        blank=True,
        verbose_name=_("company size"),
    )
    country = models.CharField(max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2 code."))
    city = models.CharField(max_length=120, blank=True, verbose_name=_("city"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return f"{self.company} ({self.contact_name})"


class Lead(ConcurrentTransitionMixin, models.Model):
    """A sales lead sent to one partner, moving through the lifecycle of DESIGN §3.

    ConcurrentTransitionMixin makes any save refuse to overwrite a status that changed since the row was read.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed as the first column of every list index below, so no single-column index of its own.
    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="leads",
        db_index=False,
        verbose_name=_("partner"),
    )
    lead_type = models.CharField(max_length=20, choices=LeadType.choices, verbose_name=_("lead type"))
    # Derived from lead_type, stored so that each tab's list has an index to walk in order.
    tab = models.GeneratedField(
        expression=Case(
            When(lead_type=LeadType.CUSTOMER_INQUIRY, then=Value(Tab.MARKETPLACE.value)),
            default=Value(Tab.QUALIFIED.value),
        ),
        output_field=models.CharField(max_length=12, choices=Tab.choices),
        db_persist=True,
        verbose_name=_("tab"),
    )
    # No index of its own: nothing reads leads by customer (each lead has its own customer row) and customers are
    # never deleted, while an index would cost every lead write (the expiry job's most of all).
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="leads",
        db_index=False,
        verbose_name=_("customer"),
    )
    need = models.TextField(max_length=10000, verbose_name=_("need"))
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("referred by"),
    )
    referring_partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("referring partner"),
    )
    referred_by_email = models.EmailField(
        blank=True,
        help_text=_("Who is told when the lead expires."),
        verbose_name=_("referrer's e-mail"),
    )
    received_at = models.DateTimeField(default=timezone.now, verbose_name=_("received"))
    respond_by = models.DateTimeField(editable=False, verbose_name=_("answer by"))
    contact_requested = models.BooleanField(
        default=False,
        help_text=_("The customer asked to be contacted directly."),
        verbose_name=_("wants a call"),
    )
    is_hot = models.BooleanField(default=False, editable=False, verbose_name=_("hot"))
    # Routing (DESIGN §7): the lead this one was sent on from (declined or expired there), at most one successor
    # each; and why it was routed to this partner, per language ({"en": [{"signal", "detail"}…], "cs": […]}),
    # null for a lead addressed by hand.
    routed_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="rerouted_to",
        db_index=False,
        verbose_name=_("sent on from"),
    )
    match_reasons = models.JSONField(null=True, blank=True, editable=False, verbose_name=_("why it was routed here"))

    status = FSMField(
        default=Status.RECEIVED, choices=Status.choices, protected=True, max_length=10, verbose_name=_("status")
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("decided"))

    deal_name = models.CharField(max_length=200, blank=True, verbose_name=_("deal name"))
    deal_value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        verbose_name=_("deal value"),
    )
    currency = models.CharField(max_length=3, default="USD")
    estimated_close_date = models.DateField(null=True, blank=True, verbose_name=_("estimated close date"))
    notes = models.TextField(blank=True, max_length=10000, verbose_name=_("notes"))
    crm_id = models.CharField(max_length=100, blank=True, verbose_name=_("CRM id"))
    campaign_id = models.CharField(max_length=100, blank=True, verbose_name=_("campaign id"))
    reason = models.CharField(max_length=30, blank=True, verbose_name=_("reason"))
    reason_notes = models.TextField(blank=True, max_length=5000, verbose_name=_("reason notes"))

    version = models.PositiveIntegerField(default=1, editable=False, verbose_name=_("version"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
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
            models.Index(
                fields=["received_at"],
                name="lead_hot_idx",
                condition=Q(is_hot=True, status__in=["received", "accepted"]),
            ),
            # The tab counts and the "waiting" filter read only received leads: a small index, cheap to count.
            models.Index(
                fields=["partner", "tab", "-received_at", "-id"],
                name="lead_waiting_idx",
                condition=Q(status="received"),
            ),
            # Mostly NULL foreign keys: index only the rows that have one (the PROTECT checks need no more).
            models.Index(fields=["referred_by"], name="lead_referred_by_idx", condition=Q(referred_by__isnull=False)),
            models.Index(
                fields=["referring_partner"],
                name="lead_referring_partner_idx",
                condition=Q(referring_partner__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(deal_value__gte=0) | Q(deal_value__isnull=True), name="lead_deal_value_gte_0"
            ),
            # One successor per lead: two reroutes at once create one new lead. Partial, so the many leads that
            # were never rerouted cost no index entry (the expiry job rewrites thousands of leads a second).
            models.UniqueConstraint(
                fields=["routed_from"], condition=Q(routed_from__isnull=False), name="lead_routed_once"
            ),
        ]

    def __str__(self) -> str:
        """How ops read a lead in the admin: "Northwind Traders — Contoso Consulting (received)"."""
        company = self.customer.company if self.customer_id else "?"
        partner = self.partner.name if self.partner_id else "?"
        return f"{company} — {partner} ({self.get_status_display().lower()})"

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

    def match_reasons_in(self, language: str) -> list[dict]:
        """Why this lead was routed here, in `language` (English when that is missing); [] when it was not."""
        reasons = self.match_reasons or {}
        return reasons.get(language) or reasons.get("en") or []

    @property
    def hot_state(self) -> str:
        return hot_state(contact_requested=self.contact_requested, status=self.status, received_at=self.received_at)

    @property
    def reason_label(self) -> str:
        choices = LostReason if self.status == Status.LOST else DeclineReason
        return dict(choices.choices).get(self.reason, self.reason)

    # The lifecycle. Transitions change fields only; the services (leads.transitions names each one's service and
    # form) check input, save and record history. Expiry is the job's set-based statement, not a method here.

    @transition(
        field=status,
        source=Status.RECEIVED,
        target=Status.ACCEPTED,
        permission=may_act_on,
        custom={"label": _("Accept")},
    )
    def accept(self) -> None:
        self.decided_at = timezone.now()

    @transition(
        field=status,
        source=Status.RECEIVED,
        target=Status.DECLINED,
        permission=may_act_on,
        custom={"label": _("Decline")},
    )
    def decline(self, *, reason: str, reason_notes: str = "") -> None:
        self.decided_at = timezone.now()
        self.is_hot = False  # an archived lead is never hot, and the hot-flag job may not touch it any more
        self.reason = reason
        self.reason_notes = reason_notes

    @transition(
        field=status, source=Status.ACCEPTED, target=Status.WON, permission=may_act_on, custom={"label": _("Mark won")}
    )
    def win(self) -> None:
        self.is_hot = False

    @transition(
        field=status,
        source=Status.ACCEPTED,
        target=Status.LOST,
        permission=may_act_on,
        custom={"label": _("Mark lost")},
    )
    def lose(self, *, reason: str, reason_notes: str = "") -> None:
        self.is_hot = False
        self.reason = reason
        self.reason_notes = reason_notes


class LeadArchived(Exception):
    """Raised on any attempt to save a lead that is won, lost, declined or expired."""

    def __init__(self, lead: Lead):
        super().__init__(f"This lead is {lead._loaded_status} and can no longer change.")
        self.lead = lead


class TeamMember(models.Model):
    """A person on the partner's side who works an accepted deal."""

    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="team", verbose_name=_("lead"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    email = models.EmailField(verbose_name=_("e-mail"))
    phone = models.CharField(max_length=40, blank=True, verbose_name=_("phone"))
    added_at = models.DateTimeField(auto_now_add=True, verbose_name=_("added"))

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return self.name


class Favorite(models.Model):
    """A user's heart on a lead."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="favorite_leads",
        verbose_name=_("user"),
        db_index=False,  # favorite_user_idx and the unique key begin with it
    )
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="favorites", verbose_name=_("lead"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("favourite")
        verbose_name_plural = _("favourites")
        constraints = [models.UniqueConstraint(fields=["user", "lead"], name="favorite_once_per_user")]
        indexes = [models.Index(fields=["user", "-created_at"], name="favorite_user_idx")]
