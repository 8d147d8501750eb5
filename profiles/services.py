"""Writes to a partner's business profile; only the organisation's partner admins may make them."""
from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from profiles.models import BusinessProfile, CompanySize, Location, Organisation

MAX_TERMS = 30
MAX_TERM_LENGTH = 60
MAX_LOCATIONS = 50


def _require_partner_admin(organisation: Organisation, by) -> None:
    membership = getattr(by, "membership", None) if getattr(by, "is_authenticated", False) else None
    if membership is None or membership.organisation_id != organisation.pk or not membership.is_partner_admin:
        raise PermissionDenied(_("Only partner admins may edit the business profile."))


def _clean_text(value, *, max_length: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValidationError(_("This field is required."), code="required")
    if len(text) > max_length:
        raise ValidationError(_("Use at most %(n)d characters.") % {"n": max_length}, code="max_length")
    if "\x00" in text:
        raise ValidationError(_("Null characters are not allowed."), code="null_characters_not_allowed")
    return text


def _clean_terms(values: Iterable[str]) -> list[str]:
    """Keywords or industries: trimmed, without blanks or case-insensitive repeats, in the order given."""
    terms, seen = [], set()
    for value in values or ():
        term = _clean_text(value, max_length=MAX_TERM_LENGTH)
        if term and term.casefold() not in seen:
            seen.add(term.casefold())
            terms.append(term)
    if len(terms) > MAX_TERMS:
        raise ValidationError(_("Use at most %(n)d entries.") % {"n": MAX_TERMS}, code="max_items")
    return terms


def _clean_sizes(values: Iterable[str]) -> list[str]:
    sizes = list(dict.fromkeys(values or ()))
    unknown = [size for size in sizes if size not in CompanySize.values]
    if unknown:
        raise ValidationError(_("Unknown company size: %(sizes)s.") % {"sizes": ", ".join(map(str, unknown))},
                              code="invalid_choice")
    return [size for size in CompanySize.values if size in sizes]


def _clean_location(location: Mapping) -> dict:
    cleaned, errors = {}, {}
    cleaners = {
        "country": lambda: _clean_country(location.get("country")),
        "city": lambda: _clean_text(location.get("city"), max_length=120, required=True),
        "contact_name": lambda: _clean_text(location.get("contact_name"), max_length=200, required=True),
        "contact_email": lambda: _clean_email(location.get("contact_email")),
        "contact_phone": lambda: _clean_text(location.get("contact_phone"), max_length=40),
    }
    for field, clean in cleaners.items():
        try:
            cleaned[field] = clean()
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_country(value) -> str:
    code = _clean_text(value, max_length=2, required=True).upper()
    if not (len(code) == 2 and code.isascii() and code.isalpha()):
        raise ValidationError(_("Enter a two-letter ISO country code, e.g. CZ."), code="invalid")
    return code


def _clean_email(value) -> str:
    text = _clean_text(value, max_length=254, required=True)
    try:
        validate_email(text)
    except ValidationError:
        raise ValidationError(_("Enter a valid e-mail address."), code="invalid")
    return text


@transaction.atomic
def profile_update(*, organisation: Organisation, by, description: str, keywords: Iterable[str],
                   company_sizes: Iterable[str], industries: Iterable[str],
                   locations: Iterable[Mapping]) -> BusinessProfile:
    """Replace the business profile and its locations (at least one, each with its alert contact) in one go.

    Errors name their field; a location's as `locations.<i>.<field>`. Nothing changes unless everything is valid.
    """
    _require_partner_admin(organisation, by)
    cleaned, errors = {}, {}
    for field, clean in {
        "description": lambda: _clean_text(description, max_length=5000),
        "keywords": lambda: _clean_terms(keywords),
        "company_sizes": lambda: _clean_sizes(company_sizes),
        "industries": lambda: _clean_terms(industries),
    }.items():
        try:
            cleaned[field] = clean()
        except ValidationError as exc:
            errors[field] = exc.messages
    locations = list(locations or ())
    new_locations = []
    if not locations:
        errors["locations"] = [_("Add at least one location with the contact who receives new-lead alerts.")]
    elif len(locations) > MAX_LOCATIONS:
        errors["locations"] = [_("Use at most %(n)d locations.") % {"n": MAX_LOCATIONS}]
    for index, location in enumerate(locations):
        try:
            new_locations.append(_clean_location(location))
        except ValidationError as exc:
            errors.update({f"locations.{index}.{field}": messages for field, messages in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)

    profile, _created = BusinessProfile.objects.select_for_update().get_or_create(organisation=organisation)
    for field, value in cleaned.items():
        setattr(profile, field, value)
    profile.save()
    profile.locations.all().delete()
    Location.objects.bulk_create(Location(profile=profile, **location) for location in new_locations)
    return profile
