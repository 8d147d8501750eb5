"""Template helpers of the lead pages: the hot-lead state, the time left to answer, icons, hearts and list rows.

A list page shows 25-100 rows: `LeadRows` builds them in Python (every value escaped), with the
icons, labels and URL patterns looked up once per page, because a template tag or include per row costs far
more than the row's own work.
"""
import html
from datetime import timedelta

from django import template
from django.template.defaultfilters import floatformat
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leads.models import ARCHIVED_STATUSES, Lead, LeadType, Status
from leads.visibility import contact_visible

register = template.Library()

URGENT = timedelta(hours=48)
NEED_CHARS = 110


def _e(value) -> str:
    """HTML-escape `value` exactly as django.utils.html.escape does, without its per-call lazy-string check."""
    return html.escape(str(value))


def sprite_url() -> str:
    return static("icons/icons.svg")


def icon_html(name: str, sprite: str, label: str = ""):
    """An icon from the sprite at `sprite`; decorative unless given a label for screen readers."""
    href = f"{sprite}#{name}"
    if label:
        return format_html('<svg class="icon icon-{}" role="img" aria-label="{}"><use href="{}"></use></svg>',
                           name, label, href)
    return format_html('<svg class="icon icon-{}" aria-hidden="true" focusable="false"><use href="{}"></use></svg>',
                       name, href)


@register.simple_tag
def icon(name: str, label: str = ""):
    """An icon from the static sprite; decorative unless given a label for screen readers."""
    return icon_html(name, sprite_url(), label)


def heart_labels() -> dict:
    return {True: _("Remove from favourites"), False: _("Add to favourites")}


def heart_tail(*, on: bool, next_url: str, token: str, labels: dict, icon_markup: str) -> str:
    """The heart's markup after its form's URL: the same for every heart of a page that is on (or off)."""
    label = _e(labels[on])
    return (f' hx-target="this" hx-swap="outerHTML">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{_e(token)}">'
            f'<input type="hidden" name="favorite" value="{"0" if on else "1"}">'
            f'<input type="hidden" name="next" value="{_e(next_url)}">'
            f'<button type="submit" class="heart{" on" if on else ""}" aria-pressed="{"true" if on else "false"}"'
            f' title="{label}">{icon_markup}<span class="sr-only">{label}</span></button></form>')


def heart_markup(url: str, tail: str) -> str:
    """The heart toggle: a form that works without JavaScript, swapped in place by HTMX (`url` escaped already)."""
    return f'<form class="heart-form" method="post" action="{url}" hx-post="{url}"{tail}'


@register.simple_tag(takes_context=True)
def heart(context, lead, next_url=""):
    """The heart of one lead (its page, and the fragment HTMX swaps in after a click)."""
    tail = heart_tail(on=bool(lead.is_favorite), next_url=next_url, token=str(context.get("csrf_token", "")),
                      labels=heart_labels(), icon_markup=icon_html("heart", sprite_url()))
    # Every value in the markup went through _e (or is an icon built by format_html).
    return mark_safe(heart_markup(_e(reverse("leads:favorite", kwargs={"lead_id": lead.pk})), tail))


def _url_pattern(name: str) -> tuple[str, str]:
    """The URL of a lead's view `name` as the parts before and after the lead's id, reversed once per page."""
    marker = "00000000-0000-0000-0000-000000000000"
    before, after = reverse(name, kwargs={"lead_id": marker}).split(marker)
    return _e(before), _e(after)


class LeadRows:
    """Renders the rows of one list page from named-tuple rows (no model instances; see views.ROW_FIELDS).

    What every row shares (icons, labels, the hearts' hidden fields, URL patterns) is escaped once per page;
    each row then escapes its own values with `_e` and joins strings, which costs a fraction of format_html.
    """

    def __init__(self, *, token: str, next_url: str, user=None):
        self.user = user  # whose rows: a partner user no longer sees declined and expired leads' contacts
        sprite = sprite_url()
        self.now = timezone.now()
        self.icons = {name: icon_html(name, sprite) for name in ("flame", "alert", "clock", "heart")}
        self.flame = format_html('<span class="flame" title="{}">{}<span class="flame-text">{}</span></span>',
                                 _("Hot lead: the customer asked to be contacted directly"), self.icons["flame"],
                                 _("Hot"))
        labels = heart_labels()
        self.hearts = {on: heart_tail(on=on, next_url=next_url, token=token, labels=labels,
                                      icon_markup=self.icons["heart"]) for on in (True, False)}
        self.types = {value: _e(label) for value, label in LeadType.choices}
        self.statuses = {value: (_e(value), _e(label)) for value, label in Status.choices}
        self.detail, self.favorite = _url_pattern("leads:detail"), _url_pattern("leads:favorite")

    def render(self, rows) -> str:
        # Every value in the rows went through _e, or is markup built here: the joined rows are safe as a whole.
        return mark_safe("".join([self.row(row) for row in rows]))

    def row(self, lead) -> str:
        pk = _e(lead.id)
        left = time_left(lead, self.now)
        if left:
            urgent = left["urgent"]
            fact = (f'<span class="time-left{" urgent" if urgent else ""}">'
                    f'{self.icons["alert" if urgent else "clock"]}{_e(left["text"])}</span>')
        elif lead.deal_value is not None:
            fact = f'<span class="deal-value">{_e(floatformat(lead.deal_value, "2g"))} {_e(lead.currency)}</span>'
        else:
            fact = ""
        # The model's own hot rule (Lead.is_archived, Lead.hot_until), read from the row's fields.
        hot = (lead.contact_requested and lead.status not in ARCHIVED_STATUSES
               and self.now < Lead.hot_until.fget(lead))
        need = lead.need
        if len(need) > NEED_CHARS:
            need = f"{need[:NEED_CHARS - 1].rstrip()}…"
        status, status_label = self.statuses.get(lead.status) or (_e(lead.status), _e(lead.status))
        contact = lead.customer__contact_name if contact_visible(lead, self.user) else ""
        lead_type = self.types.get(lead.lead_type) or _e(lead.lead_type)
        heart = heart_markup(f"{self.favorite[0]}{pk}{self.favorite[1]}", self.hearts[bool(lead.is_favorite)])
        return (f'<li class="lead-row{" is-hot" if hot else ""}" data-lead="{pk}">'
                f'<div class="lead-who"><a class="lead-company" href="{self.detail[0]}{pk}{self.detail[1]}">'
                f'{_e(lead.customer__company)}</a>{self.flame if hot else ""}'
                f'<span class="lead-contact">{_e(contact)}</span>'
                f'<p class="lead-need">{_e(need)}</p></div>'
                f'<div class="lead-facts"><span class="lead-type">{lead_type}</span>'
                f'<span class="badge status-{status}">{status_label}</span>{fact}</div>'
                f'<div class="lead-heart">{heart}</div></li>')


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
def time_left(lead, now=None) -> dict:
    """The countdown of a received lead: its text, and whether fewer than 48 hours remain."""
    if lead.status != Status.RECEIVED:
        return {}
    left = lead.respond_by - (now or timezone.now())
    if left <= timedelta(0):
        return {"text": _("Overdue"), "urgent": True}
    return {"text": _("%(duration)s left") % {"duration": _duration(left)}, "urgent": left < URGENT}
