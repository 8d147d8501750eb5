"""Input cleaners every app shares: text, e-mail, country, and collecting each field's errors under its name."""

from collections.abc import Callable, Mapping

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from common.countries import is_country
from common.text import unstorable_reason


def collect(cleaners: Mapping[str, Callable]) -> dict:
    """Run each field's cleaner; raise one ValidationError naming every bad field, or return the clean values."""
    cleaned, errors = {}, {}
    for field, clean in cleaners.items():
        try:
            cleaned[field] = clean()
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_text(value, *, max_length: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValidationError(_("This field is required."), code="required")
    if len(text) > max_length:
        raise ValidationError(_("Use at most %(n)d characters.") % {"n": max_length}, code="max_length")
    reason = unstorable_reason(text)
    if reason is not None:  # a null character or a lone surrogate: PostgreSQL would refuse the row
        raise ValidationError(reason, code="null_characters_not_allowed" if "\x00" in text else "unpaired_surrogate")
    return text


def clean_email(value, *, required: bool = True) -> str:
    text = clean_text(value, max_length=254, required=required)
    if text:
        try:
            validate_email(text)
        except ValidationError:
            raise ValidationError(_("Enter a valid e-mail address."), code="invalid")
    return text


def clean_country(value, *, required: bool = False) -> str:
    """A two-letter ISO 3166-1 code, upper-cased."""
    code = clean_text(value, max_length=100, required=required).upper()
    if code and not is_country(code):
        raise ValidationError(_("Enter a two-letter ISO country code, e.g. CZ."), code="invalid")
    return code


def collect_each(prefix: str, items, clean: Callable) -> list:
    """Clean every item of a list; errors are keyed `<prefix>.<position>.<field>` so each lands beside its input."""
    cleaned, errors = [], {}
    for index, item in enumerate(items or ()):
        try:
            cleaned.append(clean(item))
        except ValidationError as exc:
            errors.update({f"{prefix}.{index}.{field}": messages for field, messages in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return cleaned
