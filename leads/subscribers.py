"""What the leads app does once a lead changed: the e-mails it owes, the directory's response-time figure, and
routing's lessons (with the automatic reroute of a declined or expired qualified lead)."""

from collections import defaultdict
from collections.abc import Sequence
from functools import partial

from django.db.models.signals import post_delete, post_save

from leads.events import Happened, after_commit, follow, subscribe
from leads.models import EmailKind, EventAction, Lead
from leads.notifications import PER_EVENT_KINDS
from leads.selectors.outcomes import OUTCOME_OF_ACTION
from leads.services import profile_refresh_response_time
from leads.services.live import leads_live_touch
from leads.tasks import lead_notify, leads_expired_notify, leads_notify_many, leads_teach_routing

# The e-mail each history event owes (expiry aside: one task per batch fans out to its leads).
EMAIL_OF_ACTION = {
    EventAction.CREATE: EmailKind.NEW_LEAD,
    EventAction.NOTE: EmailKind.FOLLOW_UP,
    EventAction.DECLINE: EmailKind.DECLINE,
}
# Decisions move a partner's median time to answer, which the directory ranks by.
DECISIONS = {EventAction.ACCEPT, EventAction.DECLINE}


def send_emails(happenings: Sequence[Happened]) -> None:
    per_lead = defaultdict(list)
    for happened in happenings:
        kind = EMAIL_OF_ACTION.get(happened.action)
        if kind in PER_EVENT_KINDS:
            after_commit(
                partial(lead_notify.delay, kind=kind.value, lead_id=str(happened.lead_id), event_id=happened.event_id)
            )
        elif kind is not None:
            per_lead[kind].append(str(happened.lead_id))
    for kind, lead_ids in per_lead.items():
        if len(lead_ids) == 1:
            after_commit(partial(lead_notify.delay, kind=kind.value, lead_id=lead_ids[0], event_id=None))
        else:  # a batch (a bulk): one task that queues the e-mail tasks, not a thousand queued by the request
            after_commit(partial(leads_notify_many.delay, kind=kind.value, lead_ids=lead_ids))


def send_expiry_emails(happenings: Sequence[Happened]) -> None:
    """A follower (on a worker, after the commit): an expiry batch's e-mails, one task per lead and kind."""
    leads_expired_notify(lead_ids=[str(happened.lead_id) for happened in happenings])


def refresh_response_times(happenings: Sequence[Happened]) -> None:
    for partner_id in {happened.partner_id for happened in happenings if happened.action in DECISIONS}:
        after_commit(partial(profile_refresh_response_time, organisation_id=partner_id))


def teach_routing(happenings: Sequence[Happened]) -> None:
    """A follower (on a worker, after the commit): routing learns from every decision, and a qualified lead that was
    declined (but not as spam) or expired goes on to the next partner by itself (leads.tasks.leads_teach_routing).

    Neither happens in the change's transaction nor in its caller's time: in the transaction, a partner's counter
    rows would stay locked while it runs and every other decision for that partner (the expiry job's batches among
    them) would queue behind it; and reading a thousand leads' facts and matching their needs would double the
    expiry job's time. A lost task loses its lessons until the nightly rebuild (rebuild_routing_statistics).
    """
    leads_teach_routing(lessons=[[happened.action, str(happened.lead_id)] for happened in happenings])


def mark_live_lists(happenings: Sequence[Happened]) -> None:
    """The open lists of these partners recompute their fingerprint (the jobs write behind the ORM's back)."""
    leads_live_touch(partner_ids={happened.partner_id for happened in happenings})


def _lead_saved(sender, instance: Lead, **kwargs) -> None:
    leads_live_touch(partner_ids=[instance.partner_id])


def connect() -> None:
    post_save.connect(_lead_saved, sender=Lead, dispatch_uid="leads-live-saved")
    post_delete.connect(_lead_saved, sender=Lead, dispatch_uid="leads-live-deleted")
    subscribe(mark_live_lists)
    subscribe(send_emails)
    subscribe(refresh_response_times)
    follow(send_expiry_emails, actions=[EventAction.EXPIRE])
    follow(teach_routing, actions=OUTCOME_OF_ACTION)
