"""What the leads app does once a lead changed: the e-mails it owes, and the directory's response-time figure."""
from collections.abc import Sequence
from functools import partial

from leads.events import Happened, after_commit, subscribe
from leads.models import EmailKind, EventAction
from leads.notifications import PER_EVENT_KINDS
from leads.services import profile_refresh_response_time
from leads.tasks import lead_notify, leads_expired_notify

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
            after_commit(partial(lead_notify.delay, kind=kind.value, lead_id=str(happened.lead_id),
                                 event_id=event_id))


def refresh_response_times(happenings: Sequence[Happened]) -> None:
    for partner_id in {happened.partner_id for happened in happenings if happened.action in DECISIONS}:
        after_commit(partial(profile_refresh_response_time, organisation_id=partner_id))


def connect() -> None:
    subscribe(send_emails)
    subscribe(refresh_response_times)
