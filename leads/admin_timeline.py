"""A lead's history as ops read it in the admin: a timeline of who did what, with each changed field as
"old → new" instead of the raw JSON the events store."""

from django.core.exceptions import FieldDoesNotExist
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from leads.models import Lead, Status


def _value(value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, dict):  # a team member
        return ", ".join(str(part) for part in (value.get("name"), value.get("email"), value.get("phone")) if part)
    if isinstance(value, list | tuple):
        return ", ".join(_value(item) for item in value)
    return str(value)


def _label(field: str) -> str:
    try:
        return str(Lead._meta.get_field(field).verbose_name).capitalize()
    except FieldDoesNotExist:  # a name that is not a lead field (team, team_member)
        return field.replace("_", " ").capitalize()


def change_lines(changes: dict) -> list[tuple[str, str]]:
    """Each changed field as (label, text): an edit's [old, new] pair as "old → new", anything else as its value."""
    lines = []
    for field, value in (changes or {}).items():
        if isinstance(value, list) and len(value) == 2 and field not in ("team",):
            text = f"{_value(value[0])} → {_value(value[1])}"
        else:
            text = _value(value)
        lines.append((_label(field), text))
    return lines


def timeline_html(events) -> str:
    """The events (oldest first) as an ordered list; every value is escaped."""
    statuses = dict(Status.choices)
    items = []
    for event in events:
        moved = ""
        if event.from_status and event.to_status and event.from_status != event.to_status:
            moved = format_html(
                " ({} → {})",
                statuses.get(event.from_status, event.from_status),
                statuses.get(event.to_status, event.to_status),
            )
        lines = format_html_join("", "<li><strong>{}:</strong> {}</li>", change_lines(event.changes))
        items.append(
            format_html(
                '<li class="lead-event"><time datetime="{}">{}</time> · <strong>{}</strong>{} · {}{}</li>',
                event.at.isoformat(),
                date_format(localtime(event.at), "DATETIME_FORMAT"),
                event.get_action_display(),
                moved,
                event.actor_label,
                format_html("<ul>{}</ul>", lines) if lines else "",
            )
        )
    if not items:
        return format_html("<p>{}</p>", _("Nothing has happened yet."))
    return format_html('<ol class="lead-timeline">{}</ol>', format_html_join("", "{}", ((item,) for item in items)))
