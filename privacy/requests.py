"""A person's access and erasure requests, by their e-mail address: everything LeadHub holds about them, and
erasing it (`manage.py export_customer` / `erase_customer`, and the admin action on customers)."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.forms.models import model_to_dict

from leads.models import Customer, EmailDelivery, EventAction, Lead, LeadEvent, TeamMember
from privacy.erasure import leads_anonymise, log_entries_scrub, sanctioned_erasure, webhook_deliveries


def clean_address(email: str) -> str:
    """The address as given, trimmed; ValidationError (naming the field) unless it is an e-mail address."""
    address = (email or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"email": [f"{address!r} is not an e-mail address."]}) from None
    return address


@dataclass
class Holdings:
    """What is held about one address: the customers with it, their leads, and other rows naming it."""

    address: str
    customers: list = field(default_factory=list)
    lead_ids: list = field(default_factory=list)
    team_members: list = field(default_factory=list)
    deliveries: list = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.customers or self.lead_ids or self.team_members or self.deliveries)


def holdings_for(address: str) -> Holdings:
    customers = list(Customer.objects.filter(email__iexact=address).order_by("id"))
    return Holdings(
        address=address,
        customers=customers,
        lead_ids=list(Lead.objects.filter(customer__in=customers).order_by("received_at").values_list("pk", flat=True)),
        team_members=list(TeamMember.objects.filter(email__iexact=address)),
        deliveries=list(EmailDelivery.objects.filter(recipient__iexact=address)),
    )


def _needles(holdings: Holdings) -> set[str]:
    """The strings that identify the person: the address, the contact names and phones of their customer rows,
    and the names and phones they gave in follow-up inquiries."""
    needles = {holdings.address}
    for customer in holdings.customers:
        needles |= {customer.contact_name, customer.phone}
    notes = LeadEvent.objects.filter(lead__in=holdings.lead_ids, action=EventAction.NOTE).values_list(
        "changes", flat=True
    )
    for changes in notes:
        needles |= {str(changes.get(key) or "") for key in ("contact_name", "phone")}
    return {needle for needle in needles if needle}


def customer_erase(*, email: str, by=None) -> dict[str, int]:
    """Erase everything held about the person with this address; returns the rows changed per kind, all 0 when
    nothing (or nothing any more) is held. Each lead of theirs records one "personal data erased" event."""
    address = clean_address(email)
    with transaction.atomic():
        holdings = holdings_for(address)
        if holdings.empty:
            return {}
        needles = _needles(holdings)
        counts = leads_anonymise(holdings.lead_ids, needles=needles, whole_team=False)
        with sanctioned_erasure():
            others = {
                "team members elsewhere": TeamMember.objects.filter(email__iexact=address).update(
                    name="", email="", phone=""
                ),
                "e-mail deliveries elsewhere": EmailDelivery.objects.filter(recipient__iexact=address).update(
                    recipient=""
                ),
                "customers without leads": Customer.objects.filter(email__iexact=address).update(
                    contact_name="", email="", phone=""
                ),
                "admin log entries": log_entries_scrub(
                    customer_ids=[customer.pk for customer in holdings.customers],
                    leads_ids=holdings.lead_ids,
                    address=address,
                ),
            }
        statuses = dict(Lead.objects.filter(pk__in=holdings.lead_ids).values_list("pk", "status"))
        LeadEvent.objects.bulk_create(
            LeadEvent(
                lead_id=lead_id,
                actor=by if getattr(by, "is_authenticated", False) else None,
                action=EventAction.ERASE,
                from_status=status,
                to_status=status,
            )
            for lead_id, status in statuses.items()
        )
        counts.update(others)
        counts["erasure events"] = len(statuses)
    return counts


def _row(instance, *exclude) -> dict:
    return {"id": instance.pk, **model_to_dict(instance, exclude=["id", *exclude])}


def customer_export(*, email: str) -> dict:
    """Every record held about the person with this address, as plain data (for JSON)."""
    address = clean_address(email)
    holdings = holdings_for(address)
    leads = (
        Lead.objects.filter(pk__in=holdings.lead_ids)
        .select_related("partner")
        .prefetch_related("team", "events", "email_deliveries", "search")
        .order_by("received_at")
    )
    sent = _webhook_deliveries(holdings.lead_ids)
    return {
        "email": address,
        "customers": [_row(customer) for customer in holdings.customers],
        "leads": [
            {
                **_row(lead, "partner", "referred_by", "referring_partner"),
                "partner": lead.partner.name,
                "status": lead.status,
                "received_at": lead.received_at,
                "decided_at": lead.decided_at,
                "team": [_row(member, "lead") for member in lead.team.all()],
                "history": [{**_row(event, "lead", "actor"), "at": event.at} for event in lead.events.all()],
                "email_deliveries": [
                    {**_row(delivery, "lead"), "sent_at": delivery.sent_at} for delivery in lead.email_deliveries.all()
                ],
                "search_text": getattr(getattr(lead, "search", None), "text", ""),
                "webhook_deliveries": sent.get(lead.pk, []),
            }
            for lead in leads
        ],
        "team_memberships": [{**_row(member), "lead": str(member.lead_id)} for member in holdings.team_members],
        "email_deliveries": [
            {**_row(delivery, "lead", "event"), "lead": str(delivery.lead_id), "sent_at": delivery.sent_at}
            for delivery in holdings.deliveries
        ],
    }


def _webhook_deliveries(lead_ids) -> dict:
    """Per lead, what was sent to its partner's CRM (the lead as the API showed it) and what the CRM answered each
    time (which may echo the contact back): {} without the webhooks app (privacy does not import it)."""
    deliveries = webhook_deliveries(lead_ids)
    if deliveries is None:
        return {}
    sent = {}
    for delivery in deliveries.select_related("endpoint").prefetch_related("attempt_log").order_by("id"):
        sent.setdefault(delivery.lead_id, []).append(
            {
                "id": delivery.pk,
                "to": delivery.endpoint.url,
                "event_type": delivery.event_type,
                "occurred_at": delivery.occurred_at,
                "status": delivery.status,
                "payload": delivery.payload,
                "answers": [
                    {"at": attempt.at, "status_code": attempt.status_code, "response_body": attempt.response_body}
                    for attempt in delivery.attempt_log.all()
                ],
            }
        )
    return sent
