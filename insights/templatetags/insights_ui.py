"""Template filters of the insights page: rates and durations formatted for the active language.

Values are rounded first: number_format cuts decimals off instead of rounding them."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def percent(value) -> str:
    """0.4567 → "45.7%" (Czech "45,7 %"); no figure → an en dash."""
    if value is None:
        return "–"
    return _("%(value)s%%") % {"value": number_format(round(value * 100, 1), decimal_pos=1)}


@register.filter
def hours(value) -> str:
    """Hours as "5.2 h" ("5,2 h"); two days and more as days, "3.5 d" ("3,5 d")."""
    if value is None:
        return "–"
    if value >= 48:
        return _("%(value)s d") % {"value": number_format(round(value / 24, 1), decimal_pos=1)}
    return _("%(value)s h") % {"value": number_format(round(value, 1), decimal_pos=1)}
