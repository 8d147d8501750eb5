"""Template tags of the lead pages: icons, the heart toggle, the hot-lead state and the time left to answer."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from common.countries import country_name
from leads.web.csv_words import header_of, value_text
from leads.web.import_csv import EDITABLE, REQUIRED
from leads.web.markup import call_within as call_within_of
from leads.web.markup import escape, heart_labels, heart_markup, heart_tail, icon_html, sprite_url
from leads.web.markup import time_left as time_left_of

register = template.Library()


@register.simple_tag
def clock_note() -> str:
    """The one clock every time on the page is in, said once (LeadHub shows the server's zone, UTC by default)."""
    return _("All times are in %(zone)s.") % {"zone": timezone.get_current_timezone_name()}


@register.filter
def country(code: str) -> str:
    """A country's name in the user's language (from its ISO code)."""
    return country_name(code)


@register.simple_tag
def icon(name: str, label: str = ""):
    """An icon from the static sprite; decorative unless given a label for screen readers."""
    return icon_html(name, sprite_url(), label)


@register.simple_tag(takes_context=True)
def heart(context, lead, next_url=""):
    """The heart of one lead (its page, and the fragment HTMX swaps in after a click)."""
    tail = heart_tail(
        on=bool(lead.is_favorite),
        next_url=next_url,
        token=str(context.get("csrf_token", "")),
        labels=heart_labels(),
        icon_markup=icon_html("heart", sprite_url()),
    )
    # Every value in the markup went through escape (or is an icon built by format_html).
    return mark_safe(heart_markup(escape(reverse("leads:favorite", kwargs={"lead_id": lead.pk})), tail))


@register.filter
def hot_state(lead) -> str:
    """'hot' while the customer's request to be contacted is fresh, 'cooled' after, '' when it does not apply."""
    return lead.hot_state


@register.filter
def days_ago(moment) -> int:
    return max((timezone.now() - moment).days, 0)


@register.simple_tag
def call_within(lead, now=None) -> str:
    """How long the hot lead's call window has left ("2 d 21 h"), in the same units as its answer countdown."""
    return call_within_of(lead, now)


@register.simple_tag
def time_left(lead, now=None) -> dict:
    """The countdown of a received lead: its text, and whether fewer than 48 hours remain."""
    return time_left_of(lead, now)


@register.simple_tag
def import_columns() -> dict:
    """The columns the import reads, as the active language's export names them (the import page lists them)."""
    return {
        "required": ", ".join(header_of(column) for column in REQUIRED),
        "status": header_of("status"),
        "statuses": ", ".join(value_text("status", status) for status in ("accepted", "declined", "won", "lost")),
        "others": ", ".join(header_of(column) for column in EDITABLE if column != "status"),
    }
