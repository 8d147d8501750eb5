"""A lead as routing's question (who should get a lead like this?), and the partners that have had it already."""

from collections.abc import Mapping

from leads.models import Lead
from routing.selectors import LeadRequest, Match, partners_match

# A chain is short in practice; this bounds the walk should data ever loop.
MAX_CHAIN = 100


def lead_request(*, lead_type: str, customer: Mapping, need: str) -> LeadRequest:
    return LeadRequest(
        need=need,
        company_size=customer.get("company_size") or "",
        country=customer.get("country") or "",
        city=customer.get("city") or "",
        lead_type=lead_type,
    )


def request_of(lead: Lead) -> LeadRequest:
    customer = lead.customer
    return lead_request(
        lead_type=lead.lead_type,
        need=lead.need,
        customer={"company_size": customer.company_size, "country": customer.country, "city": customer.city},
    )


def chain_partner_ids(lead: Lead) -> set[int]:
    """Every partner that has had this lead: its own, and each one before it in its routing chain."""
    partners, current, steps = {lead.partner_id}, lead.routed_from_id, 0
    while current is not None and steps < MAX_CHAIN:
        partner_id, current = Lead.objects.filter(pk=current).values_list("partner_id", "routed_from_id").get()
        partners.add(partner_id)
        steps += 1
    return partners


def other_partners_for(lead: Lead, *, limit: int = 3) -> list[Match]:
    """Up to `limit` eligible partners for a customer whose inquiry went unanswered, never those that had it."""
    return partners_match(request_of(lead), exclude=chain_partner_ids(lead), limit=limit)
