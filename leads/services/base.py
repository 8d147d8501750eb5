"""What every lead write shares: lock the row through the tenant gate, check, save, record and publish."""

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django_fsm import can_proceed, has_transition_perm

from leads.events import Happened, publish
from leads.exceptions import LeadChanged, LeadConflict
from leads.models import ARCHIVED_STATUSES, Lead, LeadEvent, Status
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
