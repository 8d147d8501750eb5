"""The rows of a lead list page, built in Python from named tuples (leads.web.lists.ROW_FIELDS): every value is
escaped once, and what every row shares is built once (icons and labels once per language, the hearts' hidden fields
and URL patterns once per page), because a template tag or include per row costs far more than the row's own work."""

import functools

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from common.countries import country_name
from leads.models import LeadType, Status, hot_state
from leads.visibility import contact_visible
from leads.web.markup import (
    countdown_words,
    escape,
    heart_labels,
    heart_markup,
    heart_tail,
    icon_html,
    sprite_url,
    time_left,
)

NEED_CHARS = 110


def _url_pattern(name: str) -> tuple[str, str]:
    """The URL of a lead's view `name` as the parts before and after the lead's id, reversed once per page."""
    marker = "00000000-0000-0000-0000-000000000000"
    before, after = reverse(name, kwargs={"lead_id": marker}).split(marker)
    return escape(before), escape(after)


@functools.lru_cache(maxsize=8)
def _shared(language: str | None, sprite: str) -> dict:
    """What every row of every list page in `language` shares: icons, labels and phrases, translated and escaped
    once per process (twenty-odd translations per page otherwise). Shared by every page, so never changed."""
    icons = {name: icon_html(name, sprite) for name in ("flame", "alert", "clock", "heart")}
    return {
        "icons": icons,
        "flame": format_html(
            '<span class="flame" title="{}">{}<span class="flame-text">{}</span></span>',
            _("Hot lead: the customer asked to be contacted directly"),
            icons["flame"],
            _("Hot"),
        ),
        "hearts": heart_labels(),
        "types": {value: escape(label) for value, label in LeadType.choices},
        "statuses": {value: (escape(value), escape(label)) for value, label in Status.choices},
        # Received leads can be selected for the list's bulk actions (the checkbox belongs to #bulk-form).
        "select": escape(_("Select")),
        "received": escape(pgettext("when a lead came", "Received")),
        "countdown": countdown_words(),
    }


@functools.lru_cache(maxsize=2048)
def _day(language: str | None, day) -> str:
    """A day as the rows show it in `language` (the active one), escaped: formatted once per process, as the
    lists' rows share few days between them."""
    return escape(date_format(day))


@functools.lru_cache(maxsize=4096)
def _money(language: str | None, value) -> str:
    """A deal value as the rows show it in `language` (the active one), escaped; formatted once per process and
    value, as localized number formatting costs more than the rest of a row."""
    return escape(floatformat(value, "2g"))


class LeadRows:
    """Renders the rows of one list page from named-tuple rows (no model instances; see leads.web.lists.ROW_FIELDS).

    What every row shares (icons, labels, the hearts' hidden fields, URL patterns) is escaped once (see _shared);
    each row then escapes its own values with `escape` and joins strings, which costs a fraction of format_html.
    """

    def __init__(self, *, token: str, next_url: str, user=None):
        self.user = user  # whose rows: a partner user no longer sees declined and expired leads' contacts
        self.now = timezone.now()
        shared = _shared(get_language(), sprite_url())
        self.icons, self.flame, self.countdown = shared["icons"], shared["flame"], shared["countdown"]
        self.types, self.statuses = shared["types"], shared["statuses"]
        self.select_label, self.received = shared["select"], shared["received"]
        self.hearts = {
            on: heart_tail(
                on=on, next_url=next_url, token=token, labels=shared["hearts"], icon_markup=self.icons["heart"]
            )
            for on in (True, False)
        }
        self.detail, self.favorite = _url_pattern("leads:detail"), _url_pattern("leads:favorite")
        self.zone = timezone.get_current_timezone()  # the page's time zone, looked up once, not per row
        self.language = get_language()
        self.countries = {}
        self.contact_visible = {}

    def render(self, rows) -> str:
        # Every value in the rows went through escape, or is markup built here: the joined rows are safe as a whole.
        return mark_safe("".join([self.row(row) for row in rows]))

    def when_and_where(self, lead) -> str:
        """When the lead came (in the page's time zone, see the footer) and the customer's country, by name."""
        received = lead.received_at.astimezone(self.zone)
        text = f'{self.received} <time datetime="{received.isoformat()}">{_day(self.language, received.date())}</time>'
        code = lead.customer__country
        if code:
            if code not in self.countries:
                self.countries[code] = escape(country_name(code))
            text += f' · <span class="lead-country">{self.countries[code]}</span>'
        return f'<span class="lead-received">{text}</span>'

    def row(self, lead) -> str:
        pk = str(lead.id)  # a UUID's text is hex digits and dashes: nothing to escape
        left = time_left(lead, self.now, self.countdown)
        if left:
            urgent = left["urgent"]
            fact = (
                f'<span class="time-left{" urgent" if urgent else ""}">'
                f"{self.icons['alert' if urgent else 'clock']}{escape(left['text'])}</span>"
            )
        elif lead.deal_value is not None:
            fact = (
                f'<span class="deal-value money">{_money(self.language, lead.deal_value)} '
                f"{escape(lead.currency)}</span>"
            )
        else:
            fact = ""
        hot = (
            hot_state(
                contact_requested=lead.contact_requested, status=lead.status, received_at=lead.received_at, now=self.now
            )
            == "hot"
        )
        need = lead.need
        if len(need) > NEED_CHARS:
            need = f"{need[: NEED_CHARS - 1].rstrip()}…"
        status, status_label = self.statuses.get(lead.status) or (escape(lead.status), escape(lead.status))
        lead_type = self.types.get(lead.lead_type) or escape(lead.lead_type)
        visible = self.contact_visible.get(lead.status)
        if visible is None:  # the rule asked once per status a page shows (its user is a lazy object)
            visible = self.contact_visible[lead.status] = contact_visible(lead.status, self.user)
        contact = lead.customer__contact_name if visible else ""
        heart = heart_markup(f"{self.favorite[0]}{pk}{self.favorite[1]}", self.hearts[bool(lead.is_favorite)])
        company = escape(lead.customer__company)
        select = (
            f'<input type="checkbox" class="row-select" name="ids" value="{pk}" form="bulk-form" '
            f'aria-label="{self.select_label}: {company}">'
            if lead.status == "received"
            else ""
        )
        return (
            f'<li class="lead-row{" is-hot" if hot else ""}" data-lead="{pk}">'
            f'<div class="lead-who"><a class="lead-company" href="{self.detail[0]}{pk}{self.detail[1]}">'
            f"{company}</a>{self.flame if hot else ''}"
            f'<span class="lead-contact">{escape(contact)}</span>'
            f'<p class="lead-need">{escape(need)}</p></div>'
            f'<div class="lead-facts"><span class="lead-type">{lead_type}</span>'
            f'<span class="badge status-{status}">{status_label}</span>{fact}'
            f"{self.when_and_where(lead)}</div>"
            f'<div class="lead-heart">{select}{heart}</div></li>'
        )
