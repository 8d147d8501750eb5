"""What the leads app does once a lead changed: the e-mails it owes, the directory's response-time figure, and
routing's lessons (with the automatic reroute of a declined or expired qualified lead)."""

from collections.abc import Sequence
from functools import partial

from leads.events import Happened, after_commit, subscribe
from leads.models import EmailKind, EventAction
from leads.notifications import PER_EVENT_KINDS
from leads.selectors.outcomes import OUTCOME_OF_ACTION
from leads.services import profile_refresh_response_time
from leads.tasks import lead_notify, leads_expired_notify, leads_teach_routing

# The e-mail each history event owes (expiry aside: one task per batch fans out to its leads).
EMAIL_OF_ACTION = {
    EventAction.CREATE: EmailKind.NEW_LEAD,
    EventAction.NOTE: EmailKind.FOLLOW_UP,
    EventAction.DECLINE: EmailKind.DECLINE,
}
# Decisions move a partner's median time to answer, which the directory ranks by.
DECISIONS = {EventAction.ACCEPT, EventAction.DECLINE}


def send_emails(happenings: Sequence[Happened]) -> None:
    expired = [str(happened.lead_id) for happened in happenings if happened.action == EventAction.EXPIRE]
    if expired:
        after_commit(partial(leads_expired_notify.delay, lead_ids=expired))
    for happened in happenings:
        kind = EMAIL_OF_ACTION.get(happened.action)
        if kind is not None:
            event_id = happened.event_id if kind in PER_EVENT_KINDS else None
            after_commit(partial(lead_notify.delay, kind=kind.value, lead_id=str(happened.lead_id), event_id=event_id))


def refresh_response_times(happenings: Sequence[Happened]) -> None:
    for partner_id in {happened.partner_id for happened in happenings if happened.action in DECISIONS}:
        after_commit(partial(profile_refresh_response_time, organisation_id=partner_id))


def teach_routing(happenings: Sequence[Happened]) -> None:
    """Routing learns from every decision once it commits, and a qualified lead that was declined (but not as
    spam) or expired goes on to the next partner by itself: one task per batch (leads.tasks.leads_teach_routing).

    Neither happens in the change's transaction nor in its caller's time: in the transaction, a partner's counter
    rows would stay locked while it runs and every other decision for that partner (the expiry job's batches among
    them) would queue behind it; and reading a thousand leads' facts and matching their needs would double the
    expiry job's time. A lost task loses its lessons until the nightly rebuild (rebuild_routing_statistics).
    """
    lessons = [
        [happened.action, str(happened.lead_id)] for happened in happenings if happened.action in OUTCOME_OF_ACTION
    ]
    if lessons:
        after_commit(partial(leads_teach_routing.delay, lessons=lessons))


def connect() -> None:
    subscribe(send_emails)
    subscribe(refresh_response_times)
    subscribe(teach_routing)
