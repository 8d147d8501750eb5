"""The lifecycle's transitions: accept, decline, win, lose (expiry is the job's, in leads.services.jobs)."""

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django_fsm import can_proceed

from common.validators import collect
from leads import validators as v
from leads.models import DeclineReason, EventAction, Lead, LostReason, TeamMember
from leads.services.base import (
    conflict,
    jsonable,
    lock,
    record,
    require_partner_side,
    run_transition,
    save,
)
from leads.services.deals import DEAL_FIELDS, clean_team, deal_cleaners
from leads.tenancy import Actor


@transaction.atomic
def lead_accept(
    *, lead: Lead | str, by: Actor, if_version: int | None = None, team: Iterable[Mapping] = (), **deal
) -> Lead:
    """received → accepted, with the deal (name, value, close date required) and any extra team members."""
    lead = lock(lead, by, if_version)
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
    save(lead, ["status", "decided_at", *cleaned])
    TeamMember.objects.bulk_create(TeamMember(lead=lead, **member) for member in members)
    changes = {field: jsonable(value) for field, value in cleaned.items() if value not in ("", None)}
    if members:
        changes["team"] = [member["name"] for member in members]
    record(lead, by, EventAction.ACCEPT, from_status=from_status, changes=changes)
    return lead


@transaction.atomic
def lead_decline(
    *, lead: Lead | str, by: Actor, reason: str, reason_notes: str = "", if_version: int | None = None
) -> Lead:
    """received → declined with a reason; the customer is told to choose another partner."""
    lead = lock(lead, by, if_version)
    if not can_proceed(lead.decline):
        raise conflict(lead, "declined")
    require_partner_side(lead, by)
    cleaned = clean_reason(reason, reason_notes, DeclineReason)
    from_status = run_transition(lead, by, "decline", "declined", **cleaned)
    save(lead, ["status", "decided_at", "is_hot", "reason", "reason_notes"])
    record(lead, by, EventAction.DECLINE, from_status=from_status, changes=cleaned)
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


@transaction.atomic
def lead_win(*, lead: Lead | str, by: Actor, if_version: int | None = None) -> Lead:
    """accepted → won."""
    lead = lock(lead, by, if_version)
    from_status = run_transition(lead, by, "win", "won")
    save(lead, ["status", "is_hot"])
    record(lead, by, EventAction.WIN, from_status=from_status)
    return lead


@transaction.atomic
def lead_lose(
    *, lead: Lead | str, by: Actor, reason: str, reason_notes: str = "", if_version: int | None = None
) -> Lead:
    """accepted → lost with a reason from the lost list."""
    lead = lock(lead, by, if_version)
    if not can_proceed(lead.lose):
        raise conflict(lead, "lost")
    require_partner_side(lead, by)
    cleaned = clean_reason(reason, reason_notes, LostReason)
    from_status = run_transition(lead, by, "lose", "lost", **cleaned)
    save(lead, ["status", "is_hot", "reason", "reason_notes"])
    record(lead, by, EventAction.LOSE, from_status=from_status, changes=cleaned)
    return lead
