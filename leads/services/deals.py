"""Accepted deals: their fields' rules, edits and team members."""

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from common.validators import collect, collect_each
from leads import validators as v
from leads.exceptions import LeadNotFound
from leads.models import EventAction, Lead, TeamMember
from leads.services.base import Change, commit, jsonable, lock, record, require_accepted, save
from leads.tenancy import Actor

DEAL_FIELDS = ("deal_name", "deal_value", "currency", "estimated_close_date", "notes", "crm_id", "campaign_id")


def deal_cleaners(data: Mapping, *, accepting: bool) -> dict:
    """Cleaners for the deal fields present in `data`; on accept the three core fields are required."""

    def required(field, clean):
        def run():
            value = data.get(field)
            if value in (None, ""):
                raise ValidationError("This field is required.", code="required")
            return clean(value)

        return run

    cleaners = {
        "deal_name": lambda: v.clean_text(data.get("deal_name"), max_length=200, required=True),
        "deal_value": required("deal_value", v.clean_deal_value),
        "currency": lambda: v.clean_currency(data.get("currency") or "USD"),
        "estimated_close_date": required(
            "estimated_close_date", lambda value: v.clean_close_date(value, allow_past=not accepting)
        ),
        "notes": lambda: v.clean_text(data.get("notes"), max_length=10000),
        "crm_id": lambda: v.clean_text(data.get("crm_id"), max_length=100),
        "campaign_id": lambda: v.clean_text(data.get("campaign_id"), max_length=100),
    }
    if accepting:
        return cleaners
    return {field: clean for field, clean in cleaners.items() if field in data}


def clean_team_member(member: Mapping) -> dict:
    return collect(
        {
            "name": lambda: v.clean_text(member.get("name"), max_length=200, required=True),
            "email": lambda: v.clean_email(member.get("email")),
            "phone": lambda: v.clean_text(member.get("phone"), max_length=40),
        }
    )


def clean_team(team: Iterable[Mapping]) -> list[dict]:
    return collect_each("team", team, clean_team_member)


def update_deal_change(lead: Lead, by: Actor, **deal) -> Change | None:
    """The deal's fields edited in memory; None when nothing changes (nothing is saved or recorded then)."""
    require_accepted(lead, by, "edited")
    unknown = set(deal) - set(DEAL_FIELDS)
    if unknown:
        raise ValidationError({field: ["This field cannot be edited."] for field in sorted(unknown)})
    cleaned = collect(deal_cleaners(deal, accepting=False))
    changes = {}
    for field, value in cleaned.items():
        old = getattr(lead, field)
        if old != value:
            changes[field] = [jsonable(old), jsonable(value)]
            setattr(lead, field, value)
    if not changes:
        return None
    return Change(lead, EventAction.EDIT, [*changes], lead.status, lead.status, changes)


@transaction.atomic
def lead_update_deal(*, lead: Lead | str, by: Actor, if_version: int | None = None, **deal) -> Lead:
    """Edit an accepted deal's fields; records which fields changed, from what to what."""
    lead = lock(lead, by, if_version)
    change = update_deal_change(lead, by, **deal)
    if change is not None:
        commit(change, by)
    return lead


@transaction.atomic
def lead_add_team_member(
    *, lead: Lead | str, by: Actor, name: str, email: str, phone: str = "", if_version: int | None = None
) -> TeamMember:
    """Add a person to an accepted deal's team."""
    lead = lock(lead, by, if_version)
    require_accepted(lead, by, "given new team members")
    member = TeamMember.objects.create(lead=lead, **clean_team_member({"name": name, "email": email, "phone": phone}))
    save(lead, [])
    record(
        lead,
        by,
        EventAction.TEAM,
        from_status=lead.status,
        changes={"team_member": {"name": member.name, "email": member.email, "phone": member.phone}},
    )
    return member


@transaction.atomic
def lead_remove_team_member(*, lead: Lead | str, by: Actor, member_id, if_version: int | None = None) -> Lead:
    """Take a person off an accepted deal's team; the history keeps who it was. A member of another lead (or none)
    is not found (404), like a lead the caller cannot reach."""
    lead = lock(lead, by, if_version)
    require_accepted(lead, by, "changed")
    member = TeamMember.objects.filter(lead=lead, pk=member_id if str(member_id).isdigit() else None).first()
    if member is None:
        raise LeadNotFound("No such team member.")
    removed = {"name": member.name, "email": member.email, "phone": member.phone}
    member.delete()
    save(lead, [])
    record(lead, by, EventAction.TEAM_OUT, from_status=lead.status, changes={"team_member": removed})
    return lead
