"""The leads events subscriber: one delivery per (event, matching endpoint), written in the change's transaction."""

from collections import defaultdict
from collections.abc import Sequence
from functools import partial

from django.utils import timezone

from leads.events import Happened, after_commit
from webhooks.models import Delivery, Endpoint
from webhooks.payloads import EVENT_TYPE_OF_ACTION, leads_json
from webhooks.tasks import queue_deliveries


def create_deliveries(happenings: Sequence[Happened]) -> None:
    """Set-based for the jobs' batches: one query for the endpoints of the batch's partners, one for the leads (if
    any endpoint wants them), one insert of the deliveries; their tasks are queued once the change commits."""
    endpoints_of = defaultdict(list)
    for endpoint in Endpoint.objects.filter(
        organisation_id__in={happened.partner_id for happened in happenings}, is_active=True, paused=False
    ):
        endpoints_of[endpoint.organisation_id].append(endpoint)
    if not endpoints_of:
        return
    wanted = [
        (happened, event_type, endpoint)
        for happened in happenings
        if (event_type := EVENT_TYPE_OF_ACTION.get(happened.action)) is not None
        for endpoint in endpoints_of[happened.partner_id]
        if endpoint.wants(event_type)
    ]
    if not wanted:
        return
    payloads = leads_json({happened.lead_id for happened, _type, _endpoint in wanted})
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(
                endpoint=endpoint,
                lead_id=happened.lead_id,
                event_id=happened.event_id,
                event_type=event_type,
                payload=payloads[happened.lead_id],
                occurred_at=now,
                next_attempt_at=now,
                queued_at=now,
                created_at=now,
            )
            for happened, event_type, endpoint in wanted
            if happened.lead_id in payloads  # the lead is in this transaction; a vanished one has nothing to report
        ]
    )
    after_commit(partial(queue_deliveries, [delivery.pk for delivery in deliveries]))
