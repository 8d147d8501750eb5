"""Template helpers of the lead pages: the hot-lead state, the time left to answer, and icons."""
from datetime import timedelta

from django import template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leads.models import Status

register = template.Library()

URGENT = timedelta(hours=48)


@register.simple_tag
def icon(name: str, label: str = ""):
    """An icon from the static sprite; decorative unless given a label for screen readers."""
    href = f"{static('icons/icons.svg')}#{name}"
    if label:
        return format_html('<svg class="icon icon-{}" role="img" aria-label="{}"><use href="{}"></use></svg>',
                           name, label, href)
    return format_html('<svg class="icon icon-{}" aria-hidden="true" focusable="false"><use href="{}"></use></svg>',
                       name, href)


@register.filter
def hot_state(lead) -> str:
    """'hot' while the customer's request to be contacted is fresh, 'cooled' after, '' when it does not apply."""
    if not lead.contact_requested or lead.is_archived:
        return ""
    return "hot" if timezone.now() < lead.hot_until else "cooled"


@register.filter
def days_ago(moment) -> int:
    return max((timezone.now() - moment).days, 0)


@register.filter
def hours_until(moment) -> int:
    return max(int((moment - timezone.now()).total_seconds() // 3600), 0)


def _duration(delta: timedelta) -> str:
    days, hours = delta.days, delta.seconds // 3600
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    minutes = delta.seconds // 60 % 60
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    return ngettext("%(minutes)s minute", "%(minutes)s minutes", minutes) % {"minutes": minutes}


@register.simple_tag
def time_left(lead) -> dict:
    """The countdown of a received lead: its text, and whether fewer than 48 hours remain."""
    if lead.status != Status.RECEIVED:
        return {}
    left = lead.respond_by - timezone.now()
    if left <= timedelta(0):
        return {"text": _("Overdue"), "urgent": True}
    return {"text": _("%(duration)s left") % {"duration": _duration(left)}, "urgent": left < URGENT}
