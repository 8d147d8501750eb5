"""A bulk run set-based (DESIGN §11, leads.services.bulk): the same checks as the single actions, with the round
trips batched.

One statement locks every item's lead (in id order, so two bulks never deadlock); each item then runs the single
actions' own `*_change` functions on its locked lead in memory, alone: an item that fails is undone in memory and
answered 404/409/412/422/403 while the others go on. What the items changed is written at the end, whatever their
number, in a handful of statements: one UPDATE of the leads, one INSERT of the history events (and of any team
members, search rows and hearts), and the events are published to the subscribers as one batch, as the expiry job
publishes its batches.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import DataError, connection
from django.utils import timezone

from leads.events import Happened, publish
from leads.exceptions import LeadChanged, LeadNotFound
from leads.models import Favorite, Lead, LeadEvent, TeamMember
from leads.selectors import lead_queryset_for, parse_lead_id
from leads.services.base import Change
from leads.services.bulk_items import FAILURES, BulkOutcome, Step, failed
from leads.services.deals import update_deal_change
from leads.services.lifecycle import accept_change, decline_change, lose_change, win_change
from leads.services.live import leads_live_touch
from leads.services.search_index import SEARCHED_LEAD_FIELDS, leads_search_index
from leads.tenancy import Actor

CHANGES = {
    "accept": accept_change,
    "decline": decline_change,
    "update": update_deal_change,
    "win": win_change,
    "lose": lose_change,
}
HEARTS = {"favorite": True, "unfavorite": False}
# The lead columns the changes above may touch: the batch's UPDATE writes them all from the locked rows in memory.
COLUMNS = (
    "status",
    "decided_at",
    "is_hot",
    "reason",
    "reason_notes",
    "deal_name",
    "deal_value",
    "currency",
    "estimated_close_date",
    "notes",
    "crm_id",
    "campaign_id",
    "version",
    "updated_at",
)


@dataclass
class Batch:
    changes: list[Change] = field(default_factory=list)
    hearts: dict = field(default_factory=dict)  # lead id → the heart it ends with


def leads_bulk_run_set(*, by: Actor, items: Sequence[tuple]) -> list[BulkOutcome]:
    """`items` as (lead_id, [Step...], if_version or None); one outcome per item, in order. Call it in a
    transaction: the leads stay locked until it ends."""
    leads = _lock(by, items)
    batch = Batch()
    outcomes = [_item(batch, by, leads, *item) for item in items]
    _write(batch, by)
    return outcomes


def _lock(by: Actor, items: Sequence[tuple]) -> dict:
    ids = set()
    for lead_id, _steps, _version in items:
        try:
            ids.add(parse_lead_id(lead_id))
        except LeadNotFound:
            pass  # answered 404 by its item
    if not ids:
        return {}
    leads = (
        lead_queryset_for(by)
        .filter(pk__in=ids)
        .select_related("customer")  # what the search rows are written from
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    return {lead.pk: lead for lead in leads}


def _item(batch: Batch, by: Actor, leads: dict, lead_id, steps: Sequence[Step], if_version) -> BulkOutcome:
    try:
        lead = leads.get(parse_lead_id(lead_id))
        if lead is None:
            raise LeadNotFound()
        before = lead.__dict__.copy()
        try:
            changes, hearts = _steps(lead, by, steps, if_version)
        except BaseException:
            lead.__dict__.clear()  # undone in memory: the next item naming this lead sees it as it was
            lead.__dict__.update(before)
            raise
    except FAILURES as exc:
        return failed(str(lead_id), exc)
    batch.changes += changes
    batch.hearts.update(hearts)
    return BulkOutcome(str(lead.pk), True)


def _steps(lead: Lead, by: Actor, steps: Sequence[Step], if_version) -> tuple[list[Change], dict]:
    """The item's steps in order, all or nothing, as leads.services.bulk.lead_bulk_item runs them one by one: the
    version is checked first (a heart alone is no change to the lead: no check)."""
    heart_only = len(steps) == 1 and steps[0].action in HEARTS
    if if_version is not None and not heart_only and lead.version != if_version:
        raise LeadChanged()
    changes, hearts = [], {}
    for step in steps:
        if step.action in HEARTS:
            if not getattr(by, "is_authenticated", False):
                raise PermissionDenied("Log in first.")
            hearts[lead.pk] = HEARTS[step.action]
            continue
        change = CHANGES[step.action](lead, by, **step.fields)
        if change is not None:
            lead.version += 1  # as each single save does
            changes.append(change)
    return changes, hearts


def _write(batch: Batch, by: Actor) -> None:
    changes = batch.changes
    leads = list({change.lead.pk: change.lead for change in changes}.values())
    if leads:
        _update_leads(leads)
        TeamMember.objects.bulk_create(
            [TeamMember(lead=change.lead, **member) for change in changes for member in change.team]
        )
        actor = by if getattr(by, "is_authenticated", False) else None
        events = LeadEvent.objects.bulk_create(
            [
                LeadEvent(
                    lead=change.lead,
                    actor=actor,
                    action=change.action,
                    from_status=change.from_status,
                    to_status=change.to_status,
                    changes=change.changes or {},
                )
                for change in changes
            ]
        )
        searched = {change.lead.pk for change in changes if SEARCHED_LEAD_FIELDS.intersection(change.fields)}
        if searched:
            leads_search_index([lead for lead in leads if lead.pk in searched])
        publish(
            [
                Happened(
                    change.action,
                    change.lead.pk,
                    change.lead.partner_id,
                    event.pk,
                    change.from_status,
                    change.to_status,
                )
                for change, event in zip(changes, events)
            ]
        )
    hearts = batch.hearts
    if hearts:
        added = [pk for pk, heart in hearts.items() if heart]
        Favorite.objects.bulk_create([Favorite(user=by, lead_id=pk) for pk in added], ignore_conflicts=True)
        Favorite.objects.filter(user=by, lead_id__in=[pk for pk, heart in hearts.items() if not heart]).delete()
        leads_live_touch(user_ids=[by.pk])  # the leads' own marks are replaced by the subscriber of the batch


def _update_leads(leads: list[Lead]) -> None:
    """One UPDATE for every changed lead, from the values in memory (the rows are locked since they were read)."""
    now = timezone.now()
    for lead in leads:
        lead.updated_at = now
    if connection.vendor != "postgresql":
        Lead.objects.bulk_update(leads, COLUMNS)
        return
    fields = [Lead._meta.get_field(name) for name in ("id", *COLUMNS)]
    arrays = [[field.get_db_prep_value(getattr(lead, field.attname), connection) for lead in leads] for field in fields]
    casts = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
    names = ", ".join(field.column for field in fields)
    sets = ", ".join(f"{field.column} = batch.{field.column}" for field in fields[1:])
    table = Lead._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS lead SET {sets} FROM unnest({casts}) AS batch({names}) WHERE lead.id = batch.id",
            arrays,
        )
        if cursor.rowcount != len(leads):
            # Cannot happen while the rows are locked; never write half a batch (the caller runs the items one by one).
            raise DataError("A locked lead was not updated.")
