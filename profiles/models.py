"""Partner organisations, memberships with roles, and the business profile shown in the directory."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.countries import country_name
from profiles.responsiveness import responsiveness_text


class CompanySize(models.TextChoices):
    """Customer company sizes; partners say which they serve, customers say which they are."""

    XS = "1-9", "1–9"
    S = "10-49", "10–49"
    M = "50-249", "50–249"
    L = "250-999", "250–999"
    XL = "1000+", "1000+"


class Role(models.TextChoices):
    PARTNER_ADMIN = "partner_admin", _("Partner admin")
    REFERRALS_ADMIN = "referrals_admin", _("Referrals admin")


class Organisation(models.Model):
    """A partner company that receives leads."""

    name = models.CharField(max_length=200, verbose_name=_("name"))
    slug = models.SlugField(max_length=80, unique=True, verbose_name=_("slug"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in one partner organisation, with the role that decides what they may do."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="membership",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(max_length=20, choices=Role.choices, verbose_name=_("role"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"

    @property
    def is_partner_admin(self) -> bool:
        return self.role == Role.PARTNER_ADMIN


class BusinessProfile(models.Model):
    """What customers see of a partner in the public directory."""

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.PROTECT,
        related_name="profile",
        verbose_name=_("organisation"),
    )
    description = models.TextField(blank=True, max_length=5000, verbose_name=_("description"))
    keywords = models.JSONField(
        default=list,
        blank=True,
        help_text=_("List of keywords."),
        verbose_name=_("keywords"),
    )
    company_sizes = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Company sizes served."),
        verbose_name=_("company sizes"),
    )
    industries = models.JSONField(
        default=list,
        blank=True,
        help_text=_("List of industries."),
        verbose_name=_("industries"),
    )
    is_listed = models.BooleanField(
        default=True,
        help_text=_("Shown in the public directory."),
        verbose_name=_("listed"),
    )
    # Routing preferences (DESIGN §7): a pause switch, a monthly ceiling on qualified leads, terms never wanted.
    accepting_leads = models.BooleanField(
        default=True, help_text=_("Receive new qualified leads."), verbose_name=_("accepting leads")
    )
    monthly_capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=_("Most qualified leads a month; empty = no limit."),
        verbose_name=_("monthly capacity"),
    )
    excluded_keywords = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Terms in a need that the partner never wants."),
        verbose_name=_("excluded keywords"),
    )
    # Kept current by the leads app (dependencies point leads -> profiles): the directory ranks quick responders higher.
    median_response_hours = models.FloatField(
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("median response hours"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        verbose_name = _("business profile")
        verbose_name_plural = _("business profiles")

    def __str__(self) -> str:
        return f"Profile of {self.organisation}"

    @property
    def responsiveness(self) -> str:
        """How quickly the partner answers, in words a customer reads."""
        return responsiveness_text(self.median_response_hours)


class Location(models.Model):
    """An office of a partner, with the contact who receives new-lead alerts for its country."""

    profile = models.ForeignKey(
        BusinessProfile,
        on_delete=models.CASCADE,
        related_name="locations",
        verbose_name=_("profile"),
    )
    country = models.CharField(max_length=2, help_text=_("ISO 3166-1 alpha-2 code, e.g. CZ."))
    city = models.CharField(max_length=120, verbose_name=_("city"))
    contact_name = models.CharField(max_length=200, verbose_name=_("contact name"))
    contact_email = models.EmailField(verbose_name=_("contact e-mail"))
    contact_phone = models.CharField(max_length=40, blank=True, verbose_name=_("contact phone"))

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["country", "city"]

    def __str__(self) -> str:
        return f"{self.city}, {self.country}"

    @property
    def place(self) -> str:
        """ "Berlin, Germany" with the country's name in the active language (the directory's pages show this)."""
        return ", ".join(part for part in (self.city, country_name(self.country)) if part)


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its SHA-256 is stored, so a leaked database leaks no usable token."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(
        max_length=100,
        help_text=_("What the token is for, e.g. the CRM that uses it."),
        verbose_name=_("name"),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("token hash"))
    prefix = models.CharField(
        max_length=12,
        editable=False,
        help_text=_("The token's first characters, to tell tokens apart."),
        verbose_name=_("prefix"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("last used"))
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("revoked"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
