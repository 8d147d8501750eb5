"""New leads: sent by vendor ops staff (lead_create) or by a customer from the directory (lead_create_inquiry)."""

from collections.abc import Mapping
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from common.validators import clean_country, collect
from leads import validators as v
from leads.models import Customer, EventAction, Lead, LeadType, Status
from leads.selectors.routing import lead_request
from leads.services.base import prefixed_errors, record, save
from leads.services.routing import partner_choose
from leads.services.search_index import leads_search_index
from leads.tenancy import ALL_PARTNERS, Actor, partner_scope
from profiles.models import CompanySize, Organisation


def clean_customer(customer: Mapping) -> dict:
    customer = customer or {}
    return collect(
        {
            "company": lambda: v.clean_text(customer.get("company"), max_length=200, required=True),
            "contact_name": lambda: v.clean_text(customer.get("contact_name"), max_length=200, required=True),
            "email": lambda: v.clean_email(customer.get("email")),
            "phone": lambda: v.clean_text(customer.get("phone"), max_length=40),
            "company_size": lambda: (
                v.clean_choice(customer["company_size"], CompanySize, label="company size")
                if customer.get("company_size")
                else ""
            ),
            "country": lambda: clean_country(customer.get("country")),
            "city": lambda: v.clean_text(customer.get("city"), max_length=120),
        }
    )


@transaction.atomic
def lead_create(
    *,
    by: Actor,
    lead_type: str,
    customer: Mapping,
    need: str,
    partner: Organisation | str | None = None,
    contact_requested: bool = False,
    referred_by_email: str = "",
    received_at: datetime | None = None,
) -> Lead:
    """Vendor ops staff send a lead to a partner (an Organisation or its slug), or, without one, to the partner
    routing finds most likely to win it (its reasons kept on the lead); `received_at` lets imports keep the
    original time."""
    if partner_scope(by) is not ALL_PARTNERS:
        raise PermissionDenied("Only vendor staff may create leads.")
    now = timezone.now()
    cleaned = collect(
        {
            "lead_type": lambda: v.clean_choice(lead_type, LeadType, label="lead type"),
            "need": lambda: v.clean_text(need, max_length=10000, required=True),
            "referred_by_email": lambda: v.clean_email(referred_by_email or by.email, required=False),
            "received_at": lambda: _clean_received_at(received_at, now),
            "partner": lambda: _clean_partner(partner) if partner not in (None, "") else None,
        }
    )
    customer_data = prefixed_errors("customer", clean_customer, customer)
    match_reasons = None
    if cleaned["partner"] is None:
        cleaned["partner"], match_reasons = partner_choose(
            lead_request(lead_type=cleaned["lead_type"], customer=customer_data, need=cleaned["need"])
        )
    lead = Lead.objects.create(
        customer=Customer.objects.create(**customer_data),
        contact_requested=bool(contact_requested),
        referred_by=by,
        match_reasons=match_reasons,
        **cleaned,
    )
    leads_search_index([lead])
    # An import's history starts when the lead was received, not when it was loaded (the page shows both).
    record(lead, by, EventAction.CREATE, changes={"lead_type": lead.lead_type}, at=lead.received_at)
    return lead


def _clean_partner(value) -> Organisation:
    if isinstance(value, Organisation):
        return value
    partner = Organisation.objects.filter(slug=str(value or "")).first()
    if partner is None:
        raise ValidationError("No partner organisation has this slug.", code="invalid")
    return partner


def _clean_received_at(value, now: datetime) -> datetime:
    if value is None:
        return now
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError("Enter a date and time in ISO 8601, e.g. 2026-11-01T09:30:00Z.")
    if timezone.is_naive(value):
        raise ValidationError("Give the time zone, e.g. 2026-11-01T09:30:00Z.")
    if value > now + timedelta(minutes=5):
        raise ValidationError("A lead cannot be received in the future.")
    if value.year < 2000:
        raise ValidationError("That date is too far in the past.")
    return value


INQUIRY_DUPLICATE_DAYS = 30
OPEN_STATUSES = (Status.RECEIVED, Status.ACCEPTED)


@transaction.atomic
def lead_create_inquiry(
    *, partner: Organisation, customer: Mapping, need: str, contact_requested: bool = False
) -> tuple[Lead, bool]:
    """A customer's inquiry from the directory → a new `customer_inquiry` lead, or a note on their open one.

    The same customer e-mail writing to the same partner again within INQUIRY_DUPLICATE_DAYS while that lead
    is still open (received or accepted) is recorded as a note on it, not as a second lead. Returns the lead
    and whether it was created.
    """
    errors = {}
    try:
        customer_data = prefixed_errors("customer", clean_customer, customer)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        cleaned = collect({"need": lambda: v.clean_text(need, max_length=10000, required=True)})
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    # One inquiry per partner at a time, so two quick submissions cannot both miss the open lead and both create one.
    Organisation.objects.select_for_update().filter(pk=partner.pk).first()
    now = timezone.now()
    open_lead = (
        Lead.objects.select_for_update(of=("self",))
        .filter(
            partner=partner,
            lead_type=LeadType.CUSTOMER_INQUIRY,
            status__in=OPEN_STATUSES,
            customer__email__iexact=customer_data["email"],
            received_at__gte=now - timedelta(days=INQUIRY_DUPLICATE_DAYS),
        )
        .order_by("-received_at")
        .first()
    )
    if open_lead is not None:
        save(open_lead, [])
        record(
            open_lead,
            None,
            EventAction.NOTE,
            from_status=open_lead.status,
            changes={
                "need": cleaned["need"],
                "contact_requested": bool(contact_requested),
                **{field: customer_data[field] for field in ("contact_name", "phone") if customer_data[field]},
            },
        )
        return open_lead, False
    lead = Lead.objects.create(
        partner=partner,
        lead_type=LeadType.CUSTOMER_INQUIRY,
        customer=Customer.objects.create(**customer_data),
        contact_requested=bool(contact_requested),
        received_at=now,
        **cleaned,
    )
    leads_search_index([lead])
    record(lead, None, EventAction.CREATE, changes={"lead_type": lead.lead_type})
    return lead, True
