"""Markup the lead pages share, built in Python: icons, the heart toggle, the time left to answer.

Used by the template tags (leads/templatetags/leads_ui.py) and by the list rows (leads.web.rows), which build
25-100 rows a page and so look each shared piece up once per page.
"""

import html
from datetime import timedelta

from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leads.models import Status

URGENT = timedelta(hours=48)


def escape(value) -> str:
    """HTML-escape `value` exactly as django.utils.html.escape does, without its per-call lazy-string check."""
    return html.escape(str(value))


def sprite_url() -> str:
    return static("icons/icons.svg")


def icon_html(name: str, sprite: str, label: str = ""):
    """An icon from the sprite at `sprite`; decorative unless given a label for screen readers."""
    href = f"{sprite}#{name}"
    if label:
        return format_html(
            '<svg class="icon icon-{}" role="img" aria-label="{}"><use href="{}"></use></svg>', name, label, href
        )
    return format_html(
        '<svg class="icon icon-{}" aria-hidden="true" focusable="false"><use href="{}"></use></svg>', name, href
    )


def heart_labels() -> dict:
    return {True: _("Remove from favourites"), False: _("Add to favourites")}


def heart_tail(*, on: bool, next_url: str, token: str, labels: dict, icon_markup: str) -> str:
    """The heart's markup after its form's URL: the same for every heart of a page that is on (or off)."""
    label = escape(labels[on])
    return (
        f' hx-target="this" hx-swap="outerHTML">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'
        f'<input type="hidden" name="favorite" value="{"0" if on else "1"}">'
        f'<input type="hidden" name="next" value="{escape(next_url)}">'
        f'<button type="submit" class="heart{" on" if on else ""}" aria-pressed="{"true" if on else "false"}"'
        f' title="{label}">{icon_markup}<span class="sr-only">{label}</span></button></form>'
    )


def heart_markup(url: str, tail: str) -> str:
    """The heart toggle: a form that works without JavaScript, swapped in place by HTMX (`url` escaped already)."""
    return f'<form class="heart-form" method="post" action="{url}" hx-post="{url}"{tail}'


def countdown_words() -> dict:
    """The countdown's phrases in the active language, for a page that shows many countdowns (the list rows)."""
    return {
        "overdue": _("Overdue"),
        "left": _("%(duration)s left"),
        "days": _("%(days)s d %(hours)s h"),
        "hours": _("%(hours)s h %(minutes)s min"),
    }


def _duration(delta: timedelta, words: dict | None = None) -> str:
    days, hours = delta.days, delta.seconds // 3600
    if days:
        return (words["days"] if words else _("%(days)s d %(hours)s h")) % {"days": days, "hours": hours}
    minutes = delta.seconds // 60 % 60
    if hours:
        return (words["hours"] if words else _("%(hours)s h %(minutes)s min")) % {"hours": hours, "minutes": minutes}
    return ngettext("%(minutes)s minute", "%(minutes)s minutes", minutes) % {"minutes": minutes}


def call_within(lead, now=None) -> str:
    """How long a hot lead stays hot, in the countdown's own units (the page's two clocks read alike)."""
    return _duration(max(lead.hot_until - (now or timezone.now()), timedelta(minutes=1)))


def time_left(lead, now=None, words: dict | None = None) -> dict:
    """The countdown of a received lead: its text, and whether fewer than 48 hours remain (`words`: from
    countdown_words(), when the caller shows many)."""
    if lead.status != Status.RECEIVED:
        return {}
    left = lead.respond_by - (now or timezone.now())
    if left <= timedelta(0):
        return {"text": words["overdue"] if words else _("Overdue"), "urgent": True}
    text = (words["left"] if words else _("%(duration)s left")) % {"duration": _duration(left, words)}
    return {"text": text, "urgent": left < URGENT}
