"""Writes to a partner's business profile; only the organisation's partner admins may make them."""

from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from common.validators import clean_country, clean_email, clean_text, collect, collect_each
from profiles.models import BusinessProfile, CompanySize, Location, Organisation

MAX_TERMS = 30
MAX_TERM_LENGTH = 60
MAX_LOCATIONS = 50
MAX_EXCLUDED_KEYWORDS = 50
MAX_MONTHLY_CAPACITY = 100_000


def _require_partner_admin(organisation: Organisation, by) -> None:
    membership = getattr(by, "membership", None) if getattr(by, "is_authenticated", False) else None
    if membership is None or membership.organisation_id != organisation.pk or not membership.is_partner_admin:
        raise PermissionDenied(_("Only partner admins may edit the business profile."))


def _clean_terms(values: Iterable[str], max_items: int = MAX_TERMS) -> list[str]:
    """Keywords or industries: trimmed, without blanks or case-insensitive repeats, in the order given."""
    terms, seen = [], set()
    for value in values or ():
        term = clean_text(value, max_length=MAX_TERM_LENGTH)
        if term and term.casefold() not in seen:
            seen.add(term.casefold())
            terms.append(term)
    if len(terms) > max_items:
        raise ValidationError(_("Use at most %(n)d entries.") % {"n": max_items}, code="max_items")
    return terms


def _clean_capacity(value) -> int | None:
    """Most qualified leads a month: a positive whole number, or empty for no limit."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise ValidationError(_("Enter a positive whole number, or leave it empty for no limit."), code="invalid")
    if int(text) > MAX_MONTHLY_CAPACITY:
        raise ValidationError(_("Use at most %(n)d.") % {"n": MAX_MONTHLY_CAPACITY}, code="max_value")
    return int(text)


def _clean_sizes(values: Iterable[str]) -> list[str]:
    sizes = list(dict.fromkeys(values or ()))
    unknown = [size for size in sizes if size not in CompanySize.values]
    if unknown:
        raise ValidationError(
            _("Unknown company size: %(sizes)s.") % {"sizes": ", ".join(map(str, unknown))}, code="invalid_choice"
        )
    return [size for size in CompanySize.values if size in sizes]


def _clean_location(location: Mapping) -> dict:
    return collect(
        {
            "country": lambda: clean_country(location.get("country"), required=True),
            "city": lambda: clean_text(location.get("city"), max_length=120, required=True),
            "contact_name": lambda: clean_text(location.get("contact_name"), max_length=200, required=True),
            "contact_email": lambda: clean_email(location.get("contact_email")),
            "contact_phone": lambda: clean_text(location.get("contact_phone"), max_length=40),
        }
    )


@transaction.atomic
def profile_update(
    *,
    organisation: Organisation,
    by,
    description: str,
    keywords: Iterable[str],
    company_sizes: Iterable[str],
    industries: Iterable[str],
    locations: Iterable[Mapping],
    accepting_leads: bool = True,
    monthly_capacity=None,
    excluded_keywords: Iterable[str] = (),
) -> BusinessProfile:
    """Replace the business profile, its routing preferences and its locations (at least one, each with its alert
    contact) in one go.

    Errors name their field; a location's as `locations.<i>.<field>`. Nothing changes unless everything is valid.
    """
    _require_partner_admin(organisation, by)
    cleaned, errors = {}, {}
    try:
        cleaned = collect(
            {
                "description": lambda: clean_text(description, max_length=5000),
                "keywords": lambda: _clean_terms(keywords),
                "company_sizes": lambda: _clean_sizes(company_sizes),
                "industries": lambda: _clean_terms(industries),
                "accepting_leads": lambda: bool(accepting_leads),
                "monthly_capacity": lambda: _clean_capacity(monthly_capacity),
                "excluded_keywords": lambda: _clean_terms(excluded_keywords, MAX_EXCLUDED_KEYWORDS),
            }
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    locations = list(locations or ())
    new_locations = []
    if not locations:
        errors["locations"] = [_("Add at least one location with the contact who receives new-lead alerts.")]
    elif len(locations) > MAX_LOCATIONS:
        errors["locations"] = [_("Use at most %(n)d locations.") % {"n": MAX_LOCATIONS}]
    try:
        new_locations = collect_each("locations", locations, _clean_location)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)

    profile, _created = BusinessProfile.objects.select_for_update().get_or_create(organisation=organisation)
    for field, value in cleaned.items():
        setattr(profile, field, value)
    profile.save()
    profile.locations.all().delete()
    Location.objects.bulk_create(Location(profile=profile, **location) for location in new_locations)
    return profile


@transaction.atomic
def profile_remove_location(*, organisation: Organisation, by, location_id) -> Location:
    """Remove one location of the organisation's profile; the last one stays (alerts need a contact). Another
    organisation's location is simply not found."""
    _require_partner_admin(organisation, by)
    profile = BusinessProfile.objects.select_for_update().filter(organisation=organisation).first()
    location = profile and profile.locations.filter(pk=location_id if str(location_id).isdigit() else None).first()
    if location is None:
        raise Location.DoesNotExist("No such location.")
    if profile.locations.count() == 1:
        raise ValidationError(
            {"locations": [_("Add at least one location with the contact who receives new-lead alerts.")]}
        )
    location.delete()
    return location
