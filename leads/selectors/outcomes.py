"""Leads as routing's outcomes: what routing learns from (routing knows nothing of leads, so it is handed these)."""

from collections.abc import Iterable, Iterator

from leads.models import EventAction, Lead, Status
from routing.history import Outcome

# The history action that tells routing each kind of outcome.
OUTCOME_OF_ACTION = {
    EventAction.CREATE: "received",
    EventAction.ACCEPT: "accepted",
    EventAction.DECLINE: "declined",
    EventAction.EXPIRE: "expired",
    EventAction.WIN: "won",
    EventAction.LOSE: "lost",
}
# Every outcome a lead in each status has had, in order: what the events told routing one at a time.
OUTCOMES_OF_STATUS = {
    Status.RECEIVED: ("received",),
    Status.ACCEPTED: ("received", "accepted"),
    Status.WON: ("received", "accepted", "won"),
    Status.LOST: ("received", "accepted", "lost"),
    Status.DECLINED: ("received", "declined"),
    Status.EXPIRED: ("received", "expired"),
}
FACTS = (
    "pk",
    "partner_id",
    "lead_type",
    "customer__company_size",
    "customer__country",
    "need",
    "reason",
    "received_at",
    "status",
)


def outcome(kind: str, facts: tuple) -> Outcome:
    """One outcome of a lead from its FACTS; `received` is placed in the month the lead was received."""
    _pk, partner_id, lead_type, size, country, need, reason, received_at, _status = facts
    return Outcome(
        partner_id=partner_id,
        lead_type=lead_type,
        company_size=size,
        need=need,
        country=country,
        kind=kind,
        reason=reason if kind == "declined" else "",
        at=received_at if kind == "received" else None,
    )


def lead_facts(lead_ids: Iterable) -> dict:
    return {facts[0]: facts for facts in Lead.objects.filter(pk__in=list(lead_ids)).values_list(*FACTS)}


def all_lead_outcomes() -> Iterator[Outcome]:
    """Every outcome of every lead, for the nightly rebuild of routing's statistics."""
    for facts in Lead.objects.order_by().values_list(*FACTS).iterator(chunk_size=5000):
        for kind in OUTCOMES_OF_STATUS[facts[-1]]:
            yield outcome(kind, facts)
