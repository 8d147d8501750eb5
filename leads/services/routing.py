"""Sending a lead to the partner most likely to win it (DESIGN §7): routing (below leads) chooses and explains;
this module turns a lead into its question, records the answer on the lead, and sends a declined or expired lead on
to the next partner of its chain."""

import uuid
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation

from leads.exceptions import LeadConflict, LeadNotFound
from leads.models import Customer, DeclineReason, EventAction, Lead, LeadType, Status
from leads.selectors import lead_get_for
from leads.selectors.outcomes import OUTCOME_OF_ACTION, lead_facts, outcome
from leads.selectors.routing import chain_partner_ids, request_of
from leads.services.base import record
from leads.services.search_index import leads_search_index
from leads.tenancy import ALL_PARTNERS, Actor, partner_scope
from profiles.models import Organisation
from routing.selectors import LeadRequest, partners_match
from routing.services import outcomes_record

REROUTABLE = (Status.DECLINED, Status.EXPIRED)


def partner_choose(request: LeadRequest, *, exclude=()) -> tuple[Organisation, dict[str, list[dict]]]:
    """The best eligible partner, and why in every language the interface speaks ({"en": [...], "cs": [...]}) so
    each reader sees the reasons in theirs; a ValidationError naming `partner` when nobody is eligible. The score
    is computed once; only its reasons are put in words once per language."""
    found = partners_match(request, exclude=exclude, limit=1)
    if not found:
        raise ValidationError(
            {
                "partner": [
                    "No partner can take this lead: none is eligible (accepting leads, with room this month, serving "
                    "this company size and country, and not tried before)."
                ]
            }
        )
    best = found[0]
    reasons = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            reasons[language] = best.explain()
    return Organisation.objects.get(pk=best.partner_id), reasons


@transaction.atomic
def lead_reroute(*, lead: Lead | str, by: Actor) -> Lead:
    """declined / expired → a new received lead, same customer and need, for the best eligible partner that has not
    had it. Vendor ops staff, or LeadHub itself (`by` None: the automatic reroute). Two at once create one lead:
    the second waits on the row lock, then finds the successor and answers 409."""
    lead_id = lead.pk if isinstance(lead, Lead) else lead
    if by is not None and partner_scope(by) is not ALL_PARTNERS:
        lead_get_for(by, lead_id)  # another organisation's lead is not found (404), as everywhere
        raise PermissionDenied("Only vendor staff may send a lead to the next partner.")
    old = Lead.objects.select_for_update(of=("self",)).select_related("customer").filter(pk=lead_id).first()
    if old is None:
        raise LeadNotFound()
    if old.status not in REROUTABLE:
        raise LeadConflict(
            f"Only a declined or expired lead can go to the next partner; this one is {old.status}.", status=old.status
        )
    if Lead.objects.filter(routed_from=old).exists():
        raise LeadConflict("This lead was already sent to the next partner.", status=old.status)
    request = request_of(old)
    partner, reasons = partner_choose(request, exclude=chain_partner_ids(old))
    customer = old.customer
    copy = Customer.objects.create(
        **{
            field: getattr(customer, field)
            for field in ("company", "contact_name", "email", "phone", "company_size", "country", "city")
        }
    )
    new = Lead.objects.create(
        partner=partner,
        lead_type=old.lead_type,
        customer=copy,
        need=old.need,
        contact_requested=old.contact_requested,
        referred_by_id=old.referred_by_id,
        referring_partner_id=old.referring_partner_id,
        referred_by_email=old.referred_by_email,
        received_at=timezone.now(),
        routed_from=old,
        match_reasons=reasons,
    )
    leads_search_index([new])
    record(new, by, EventAction.CREATE, changes={"lead_type": new.lead_type, "routed_from": str(old.pk)})
    return new


def routing_learn(lessons: Sequence[tuple[str, str]]) -> list[str]:
    """Teach routing what happened to leads ((history action, lead id) pairs, a job's whole batch at once) in one
    short transaction of its own; returns the leads that should go on to the next partner by themselves: qualified
    leads that expired or were declined, but not as spam (LEADHUB_AUTO_REROUTE decides whether they do)."""
    learnt = [(action, uuid.UUID(str(lead_id))) for action, lead_id in lessons if action in OUTCOME_OF_ACTION]
    facts = lead_facts({lead_id for _action, lead_id in learnt})
    with transaction.atomic():
        outcomes_record(
            [outcome(OUTCOME_OF_ACTION[action], facts[lead_id]) for action, lead_id in learnt if lead_id in facts]
        )
    return [
        str(lead_id)
        for action, lead_id in learnt
        if action in (EventAction.DECLINE, EventAction.EXPIRE)
        and lead_id in facts
        and facts[lead_id][2] != LeadType.CUSTOMER_INQUIRY
        and not (action == EventAction.DECLINE and facts[lead_id][6] == DeclineReason.DUPLICATE_OR_SPAM)
    ]
