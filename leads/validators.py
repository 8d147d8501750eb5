"""The input rules of the lifecycle, shared by the services, the forms and the API so there is one copy of each."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from common.validators import clean_email, clean_text  # noqa: F401 - the lifecycle's rules use them too
from leads.currencies import CURRENCIES

MAX_DEAL_VALUE = Decimal("999999999999.99")


def clean_deal_value(value) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Enter a number, e.g. 12500.00."), code="invalid")
    if not amount.is_finite():
        raise ValidationError(_("Enter a number, e.g. 12500.00."), code="invalid")
    if amount < 0:
        raise ValidationError(_("The deal value cannot be negative."), code="min_value")
    if amount > MAX_DEAL_VALUE:
        raise ValidationError(_("The deal value is too large."), code="max_value")
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(_("Use at most 2 decimal places."), code="max_decimal_places")
    return amount.quantize(Decimal("0.01"))


def clean_currency(value) -> str:
    code = str(value or "").strip().upper()
    if code not in CURRENCIES:
        raise ValidationError(_("Enter an ISO 4217 currency code, e.g. USD or EUR."), code="invalid_currency")
    return code


def clean_close_date(value, *, allow_past: bool) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ValidationError(_("Enter a date as YYYY-MM-DD."), code="invalid")
    if not isinstance(value, date):
        raise ValidationError(_("Enter a date as YYYY-MM-DD."), code="invalid")
    if not allow_past and value < timezone.localdate():
        raise ValidationError(_("The estimated close date cannot be in the past."), code="past_date")
    if value.year > timezone.localdate().year + 50:
        raise ValidationError(_("The estimated close date is too far in the future."), code="far_date")
    return value


def clean_choice(value, choices, *, label: str) -> str:
    value = str(value or "")
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise ValidationError(
            _("Choose a %(label)s from: %(allowed)s.") % {"label": label, "allowed": allowed}, code="invalid_choice"
        )
    return value


def require_notes_for_other(reason: str, reason_notes: str) -> None:
    """`other` says nothing by itself: it needs a few words of notes (DESIGN §3)."""
    if reason == "other" and not (reason_notes or "").strip():
        raise ValidationError({"reason_notes": [_("Say why in a few words when the reason is “other”.")]})
