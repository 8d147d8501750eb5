"""The lifecycle's transitions: accept, decline, win, lose (expiry is the job's, in leads.services.jobs).

Each is two parts: `<action>_change` checks and makes the change in memory on a locked lead (LeadConflict 409,
PermissionDenied 403, ValidationError 422), and the service locks the row, runs it and commits it. A bulk runs the
same `_change` functions on rows it locked together and writes all their changes at once (leads.services.bulk_set).
"""

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django_fsm import can_proceed

from common.validators import collect
from leads import validators as v
from leads.models import DeclineReason, EventAction, Lead, LostReason
from leads.services.base import (
    Change,
    commit,
    conflict,
    jsonable,
    lock,
    require_partner_side,
    run_transition,
)
from leads.services.deals import DEAL_FIELDS, clean_team, deal_cleaners
from leads.tenancy import Actor


def accept_change(lead: Lead, by: Actor, *, team: Iterable[Mapping] = (), **deal) -> Change:
    if not can_proceed(lead.accept):
        raise conflict(lead, "accepted")
    require_partner_side(lead, by)
    unknown = set(deal) - set(DEAL_FIELDS)
    if unknown:
        raise ValidationError({field: ["Unknown field."] for field in sorted(unknown)})
    errors = {}
    try:
        cleaned = collect(deal_cleaners(deal, accepting=True))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        members = clean_team(team)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    from_status = run_transition(lead, by, "accept", "accepted")
    for field, value in cleaned.items():
        setattr(lead, field, value)
    changes = {field: jsonable(value) for field, value in cleaned.items() if value not in ("", None)}
    if members:
        changes["team"] = [member["name"] for member in members]
    return Change(
        lead, EventAction.ACCEPT, ["status", "decided_at", *cleaned], from_status, lead.status, changes, members
    )


@transaction.atomic
def lead_accept(
    *, lead: Lead | str, by: Actor, if_version: int | None = None, team: Iterable[Mapping] = (), **deal
) -> Lead:
    """received → accepted, with the deal (name, value, close date required) and any extra team members."""
    lead = lock(lead, by, if_version)
    commit(accept_change(lead, by, team=team, **deal), by)
    return lead


def decline_change(lead: Lead, by: Actor, *, reason: str, reason_notes: str = "") -> Change:
    if not can_proceed(lead.decline):
        raise conflict(lead, "declined")
    require_partner_side(lead, by)
    cleaned = clean_reason(reason, reason_notes, DeclineReason)
    from_status = run_transition(lead, by, "decline", "declined", **cleaned)
    fields = ["status", "decided_at", "is_hot", "reason", "reason_notes"]
    return Change(lead, EventAction.DECLINE, fields, from_status, lead.status, cleaned)


@transaction.atomic
def lead_decline(
    *, lead: Lead | str, by: Actor, reason: str, reason_notes: str = "", if_version: int | None = None
) -> Lead:
    """received → declined with a reason; the customer is told to choose another partner."""
    lead = lock(lead, by, if_version)
    commit(decline_change(lead, by, reason=reason, reason_notes=reason_notes), by)
    return lead


def clean_reason(reason, reason_notes, choices) -> dict:
    """A reason from `choices`; `other` says nothing by itself, so it needs notes (DESIGN §3)."""
    cleaned = collect(
        {
            "reason": lambda: v.clean_choice(reason, choices, label="reason"),
            "reason_notes": lambda: v.clean_text(reason_notes, max_length=5000),
        }
    )
    v.require_notes_for_other(cleaned["reason"], cleaned["reason_notes"])
    return cleaned


def win_change(lead: Lead, by: Actor) -> Change:
    from_status = run_transition(lead, by, "win", "won")
    return Change(lead, EventAction.WIN, ["status", "is_hot"], from_status, lead.status, {})


@transaction.atomic
def lead_win(*, lead: Lead | str, by: Actor, if_version: int | None = None) -> Lead:
    """accepted → won."""
    lead = lock(lead, by, if_version)
    commit(win_change(lead, by), by)
    return lead


def lose_change(lead: Lead, by: Actor, *, reason: str, reason_notes: str = "") -> Change:
    if not can_proceed(lead.lose):
        raise conflict(lead, "lost")
    require_partner_side(lead, by)
    cleaned = clean_reason(reason, reason_notes, LostReason)
    from_status = run_transition(lead, by, "lose", "lost", **cleaned)
    return Change(
        lead, EventAction.LOSE, ["status", "is_hot", "reason", "reason_notes"], from_status, lead.status, cleaned
    )


@transaction.atomic
def lead_lose(
    *, lead: Lead | str, by: Actor, reason: str, reason_notes: str = "", if_version: int | None = None
) -> Lead:
    """accepted → lost with a reason from the lost list."""
    lead = lock(lead, by, if_version)
    commit(lose_change(lead, by, reason=reason, reason_notes=reason_notes), by)
    return lead
