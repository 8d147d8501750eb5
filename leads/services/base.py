"""What every lead write shares: lock the row through the tenant gate, check, save, record and publish."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django_fsm import can_proceed, has_transition_perm

from leads.events import Happened, publish
from leads.exceptions import LeadChanged, LeadConflict
from leads.models import ARCHIVED_STATUSES, Lead, LeadEvent, Status, TeamMember
from leads.selectors import lead_get_for
from leads.services.search_index import SEARCHED_LEAD_FIELDS, leads_search_index
from leads.tenancy import Actor, may_act_on


def conflict(lead: Lead, action: str) -> LeadConflict:
    if lead.status == Status.RECEIVED:
        message = f"This lead has not been accepted yet, so it cannot be {action}."
    elif lead.status in ARCHIVED_STATUSES:
        message = f"This lead was already {lead.get_status_display().lower()}; it is archived and can no longer change."
    else:
        message = f"This lead was already {lead.get_status_display().lower()}."
    return LeadConflict(message, status=lead.status)


def lock(lead: Lead | str, by: Actor, if_version: int | None) -> Lead:
    """The current row, locked until the transaction ends, through the same tenant gate as every read."""
    locked = lead_get_for(by, lead.pk if isinstance(lead, Lead) else lead, for_update=True)
    if if_version is not None and locked.version != if_version:
        raise LeadChanged()
    return locked


def run_transition(lead: Lead, by: Actor, name: str, past_tense: str, **kwargs) -> str:
    method = getattr(lead, name)
    if not can_proceed(method):
        raise conflict(lead, past_tense)
    if not has_transition_perm(method, by):
        raise PermissionDenied("Your role may not do this.")
    from_status = lead.status
    method(**kwargs)
    return from_status


def save(lead: Lead, fields: Iterable[str]) -> None:
    fields = [*fields]
    lead.version += 1
    lead.save(update_fields=[*fields, "version", "updated_at"])
    if SEARCHED_LEAD_FIELDS.intersection(fields):
        leads_search_index([lead])


def record(
    lead: Lead, by: Actor, action: str, *, from_status: str = "", changes: dict | None = None, at=None
) -> LeadEvent:
    """Write the history event and publish it (leads.events): the one place a write's side effects start. `at`
    (default now) is for an import, whose history starts at the lead's own time."""
    event = LeadEvent.objects.create(
        **({"at": at} if at is not None else {}),
        lead=lead,
        actor=by if getattr(by, "is_authenticated", False) else None,
        action=action,
        from_status=from_status,
        to_status=lead.status,
        changes=changes or {},
    )
    publish([Happened(action, lead.pk, lead.partner_id, event.pk, from_status, lead.status)])
    return event


@dataclass
class Change:
    """One transition or edit made in memory on a locked lead, not yet written: the fields to save, the team members
    to add and the history event to record. A single action writes it at once (`commit`); a bulk writes the
    changes of all its items together (leads.services.bulk_set)."""

    lead: Lead
    action: str  # the EventAction recorded
    fields: list[str]
    from_status: str
    to_status: str
    changes: dict
    team: list[dict] = field(default_factory=list)


def commit(change: Change, by: Actor) -> None:
    """Write one change: save the lead, add its team members, record and publish the history event."""
    save(change.lead, change.fields)
    if change.team:
        TeamMember.objects.bulk_create(TeamMember(lead=change.lead, **member) for member in change.team)
    record(change.lead, by, change.action, from_status=change.from_status, changes=change.changes)


def jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def require_partner_side(lead: Lead, by: Actor) -> None:
    if not may_act_on(lead, by):
        raise PermissionDenied("Your role may not do this.")


def require_accepted(lead: Lead, by: Actor, action: str) -> None:
    if lead.status != Status.ACCEPTED:
        raise conflict(lead, action)
    require_partner_side(lead, by)


def prefixed_errors(prefix: str, clean, data):
    try:
        return clean(data)
    except ValidationError as exc:
        raise ValidationError({f"{prefix}.{field}": messages for field, messages in exc.message_dict.items()})
