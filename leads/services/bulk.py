"""Many leads at once (DESIGN §11): each item runs through the same checks as a single action, alone, so one item
that fails (decided by a colleague meanwhile, invalid, not found) spoils no other.

The API's bulk endpoint, the list's bulk bar and the CSV import all hand their work to `leads_bulk_run`; each gets
one `BulkOutcome` per item, in the items' order. It runs set-based (leads.services.bulk_set: the leads locked in one
statement, the changes written and published as one batch); should that batch's write be refused by the database,
the items run again one by one through the single services (`lead_bulk_item`), each in a savepoint of its own.
"""

import logging
from collections.abc import Callable, Sequence
from functools import partial

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from leads.exceptions import LeadChanged
from leads.selectors import lead_get_for, parse_lead_id
from leads.services.bulk_items import FAILURES, MAX_ITEMS, BulkOutcome, Step, failed
from leads.services.bulk_set import leads_bulk_run_set
from leads.services.deals import lead_update_deal
from leads.services.favourites import lead_favorite_set
from leads.services.lifecycle import lead_accept, lead_decline, lead_lose, lead_win
from leads.tenancy import Actor

__all__ = ["MAX_ITEMS", "BulkOutcome", "Step", "lead_bulk_item", "leads_bulk_run"]
logger = logging.getLogger(__name__)


def _favorite(*, lead, by, favorite: bool, if_version=None):
    return lead_favorite_set(lead=lead, by=by, favorite=favorite)


# Each action a bulk item may name, and the service it runs (every one takes lead=, by=, if_version=).
ACTIONS: dict[str, Callable] = {
    "accept": lead_accept,
    "decline": lead_decline,
    "update": lead_update_deal,
    "win": lead_win,
    "lose": lead_lose,
    "favorite": lambda **kwargs: _favorite(favorite=True, **kwargs),
    "unfavorite": lambda **kwargs: _favorite(favorite=False, **kwargs),
}


def lead_bulk_item(*, by: Actor, lead_id, steps: Sequence[Step], if_version: int | None = None) -> BulkOutcome:
    """Run one item's steps (usually one; an import row may edit a deal and then mark it won) all or nothing,
    through the single services.

    `if_version` is checked on the locked row before the first step, so a stale item changes nothing (412).
    """
    try:
        pk = parse_lead_id(lead_id)
        if len(steps) == 1:
            # The service's own transaction.atomic is the item's savepoint (a second one would cost two round
            # trips), and it checks `if_version` on the row it locks (a heart is no change to the lead: no check).
            ACTIONS[steps[0].action](lead=pk, by=by, if_version=if_version, **steps[0].fields)
        else:
            with transaction.atomic():
                if if_version is not None and lead_get_for(by, pk, for_update=True).version != if_version:
                    raise LeadChanged()
                for step in steps:
                    ACTIONS[step.action](lead=pk, by=by, **step.fields)
    except FAILURES as exc:
        return failed(str(lead_id), exc)
    return BulkOutcome(str(pk), True)


def leads_bulk_run(*, by: Actor, items: Sequence[tuple]) -> list[BulkOutcome]:
    """`items` as (lead_id, [Step...], if_version or None); one outcome per item, in order.

    The items commit together in one transaction; an item that fails changes nothing. Work queued for after the
    commit more than once (the partner's response-time figure, refreshed after every decision) runs once.
    """
    if len(items) > MAX_ITEMS:
        raise ValidationError({"items": [f"Send at most {MAX_ITEMS} items."]})
    with transaction.atomic():
        queued_before = len(transaction.get_connection().run_on_commit)
        try:
            with transaction.atomic():
                outcomes = leads_bulk_run_set(by=by, items=items)
        except (DataError, IntegrityError):
            logger.warning("A bulk's batched write was refused; running its %d items one by one.", len(items))
            outcomes = [
                lead_bulk_item(by=by, lead_id=lead_id, steps=steps, if_version=if_version)
                for lead_id, steps, if_version in items
            ]
        _drop_repeated_commit_work(queued_before)
    return outcomes


def _drop_repeated_commit_work(start: int) -> None:
    """Keep one of each identical piece of after-commit work (the same function with the same arguments) that the
    bulk queued (from `start` on: what a caller queued before is not the bulk's to drop)."""
    connection = transaction.get_connection()
    seen, kept = set(), []
    for entry in connection.run_on_commit[start:]:
        work = entry[1]
        try:
            key = (work.func, work.args, tuple(sorted(work.keywords.items()))) if isinstance(work, partial) else work
            hash(key)
        except TypeError:  # unhashable arguments: keep it, never guess
            kept.append(entry)
            continue
        if key not in seen:
            seen.add(key)
            kept.append(entry)
    connection.run_on_commit[start:] = kept
