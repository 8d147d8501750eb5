"""What a webhook reports: the event type of each history action, and the lead exactly as the API shows it."""

import json
import uuid
from collections.abc import Iterable
from types import SimpleNamespace

from django.utils import translation
from ninja.responses import NinjaJSONEncoder

from leads.api.schemas import LeadOut
from leads.models import EventAction, Lead
from webhooks.models import EventType

# A customer writing again (`note`) changes the lead (its version and updated_at move), so a CRM hears of it as
# lead.updated, the same as an edited deal or a new team member.
EVENT_TYPE_OF_ACTION = {
    EventAction.CREATE: EventType.RECEIVED,
    EventAction.ACCEPT: EventType.ACCEPTED,
    EventAction.DECLINE: EventType.DECLINED,
    EventAction.EDIT: EventType.UPDATED,
    EventAction.TEAM: EventType.UPDATED,
    EventAction.NOTE: EventType.UPDATED,
    EventAction.WIN: EventType.WON,
    EventAction.LOSE: EventType.LOST,
    EventAction.EXPIRE: EventType.EXPIRED,
}


# The caller the schema sees: no user, i.e. a partner system (leads.visibility hides a declined or expired lead's
# customer contact from it, as from the partner's own API calls).
PARTNER_SYSTEM = {"request": SimpleNamespace(auth=None)}


def lead_json(lead: Lead) -> dict:
    """The lead as GET /api/v1/leads/<id> renders it for the partner (same schema, same encoder), in English
    whatever language the change was made in. Not fetched as any one user, so `is_favorite` is false: a favourite
    is one person's mark, not the organisation's."""
    with translation.override("en"):
        return json.loads(json.dumps(LeadOut.from_orm(lead, context=PARTNER_SYSTEM).model_dump(), cls=NinjaJSONEncoder))


def leads_json(lead_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict]:
    """Each lead's JSON, read in three queries however many leads (an expiry batch holds a thousand)."""
    leads = Lead.objects.filter(pk__in=list(lead_ids)).select_related("customer", "partner").prefetch_related("team")
    return {lead.pk: lead_json(lead) for lead in leads}
