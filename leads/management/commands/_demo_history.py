"""Demo leads with a past: months of leads for one partner, each with its history at the lead's own times.

`seed_demo` used the services, which stamp every event with the time of seeding: a lead received two hours ago
showed "Created" at seed time, and every answer took no time at all. Here leads, customers and events are written
directly, as an import would: received at their own time, answered some hours later, won or lost weeks after,
expired when their answer days ran out. Random but reproducible (seeded by the partner's slug).
"""

import random
from datetime import datetime, timedelta
from math import log

from django.conf import settings

from leads.models import Customer, EventAction, Lead, LeadEvent, LeadType, Status
from leads.services import leads_search_index, profiles_refresh_response_times

DAYS = 400
DEAL_NAMES = [
    "Cloud migration",
    "Microsoft 365 roll-out",
    "Analytics platform",
    "Managed services",
    "Security assessment",
    "CRM implementation",
]
DEAL_VALUES = ["4800.00", "9500.00", "12500.00", "25000.00", "38000.00", "60000.00"]
DECLINE_REASONS = [
    "not_a_fit",
    "insufficient_information",
    "customer_unreachable",
    "no_budget",
    "timeline_too_short",
    "duplicate_or_spam",
]
LOST_REASONS = ["no_response", "chose_another_vendor", "timeline_too_short", "no_budget"]
TYPES = [LeadType.CUSTOMER_INQUIRY] * 5 + [LeadType.MARKETING_QUALIFIED] * 3 + [LeadType.SALES_QUALIFIED] * 2
# How each demo partner answers: (share left to expire, share declined of those answered, median hours to answer).
HABITS = {"contoso": (0.08, 0.25, 5.0), "fabrikam": (0.30, 0.35, 30.0)}
# The newest leads, as the demo always had them: (customer, type, age, status, contact requested).
SHOWCASE = [
    (0, LeadType.CUSTOMER_INQUIRY, timedelta(hours=2), Status.RECEIVED, True),
    (1, LeadType.CUSTOMER_INQUIRY, timedelta(days=4), Status.RECEIVED, True),
    (2, LeadType.CUSTOMER_INQUIRY, timedelta(days=12, hours=20), Status.RECEIVED, False),
    (3, LeadType.MARKETING_QUALIFIED, timedelta(days=1), Status.RECEIVED, False),
    (4, LeadType.SALES_QUALIFIED, timedelta(hours=30), Status.RECEIVED, False),
    (5, LeadType.SALES_QUALIFIED, timedelta(days=6), Status.ACCEPTED, False),
    (0, LeadType.MARKETING_QUALIFIED, timedelta(days=9), Status.WON, False),
    (1, LeadType.CUSTOMER_INQUIRY, timedelta(days=8), Status.LOST, False),
    (4, LeadType.CUSTOMER_INQUIRY, timedelta(days=3), Status.DECLINED, False),
    (2, LeadType.MARKETING_QUALIFIED, timedelta(days=20), Status.EXPIRED, False),
]


class _History:
    """Builds leads, their customers and their events in memory, to be written in a few statements."""

    def __init__(self, organisation, *, by, answerer, customers, now: datetime):
        self.organisation, self.by, self.answerer, self.customers, self.now = organisation, by, answerer, customers, now
        self.rng = random.Random(organisation.slug)
        self.expire_share, self.decline_share, median_hours = HABITS.get(organisation.slug, (0.15, 0.3, 12.0))
        self.mu = log(median_hours)
        self.leads: list[Lead] = []
        self.events: list[LeadEvent] = []
        self.response = timedelta(days=settings.LEADHUB_RESPONSE_DAYS)

    def _answer_after(self, received_at: datetime) -> datetime:
        hours = min(self.rng.lognormvariate(self.mu, 1.0), self.response.total_seconds() / 3600 - 1)
        return received_at + timedelta(hours=hours)

    def _event(self, lead, at, actor, action, from_status, to_status, changes=None):
        self.events.append(
            LeadEvent(
                lead=lead,
                at=at,
                actor=actor,
                action=action,
                from_status=from_status,
                to_status=to_status,
                changes=changes or {},
            )
        )

    def add(
        self, customer_index: int, lead_type: str, received_at: datetime, status: str, contact_requested: bool = False
    ) -> None:
        rng, now = self.rng, self.now
        company, name, email, size, country, city, need = self.customers[customer_index % len(self.customers)]
        customer = Customer(
            company=company,
            contact_name=name,
            email=email,
            phone="+420 777 000 000",
            company_size=size,
            country=country,
            city=city,
            created_at=received_at,
        )
        lead = Lead(
            partner=self.organisation,
            lead_type=lead_type,
            customer=customer,
            need=need,
            referred_by=self.by,
            referred_by_email=self.by.email,
            received_at=received_at,
            respond_by=received_at + self.response,
            contact_requested=contact_requested,
            is_hot=contact_requested
            and status in (Status.RECEIVED, Status.ACCEPTED)
            and received_at + timedelta(hours=settings.LEADHUB_HOT_HOURS) > now,
            status=status,
        )
        self._event(lead, received_at, self.by, EventAction.CREATE, "", Status.RECEIVED, {"lead_type": lead_type})
        if status == Status.EXPIRED:
            self._event(lead, lead.respond_by, None, EventAction.EXPIRE, Status.RECEIVED, Status.EXPIRED)
        elif status != Status.RECEIVED:
            lead.decided_at = min(self._answer_after(received_at), now - timedelta(minutes=5))
            if status == Status.DECLINED:
                lead.reason = rng.choice(DECLINE_REASONS)
                self._event(
                    lead,
                    lead.decided_at,
                    self.answerer,
                    EventAction.DECLINE,
                    Status.RECEIVED,
                    Status.DECLINED,
                    {"reason": lead.reason},
                )
            else:
                lead.deal_name = rng.choice(DEAL_NAMES)
                lead.deal_value = rng.choice(DEAL_VALUES)
                lead.currency = "CZK" if rng.random() < 0.2 else "EUR"
                lead.estimated_close_date = (lead.decided_at + timedelta(days=60)).date()
                self._event(
                    lead,
                    lead.decided_at,
                    self.answerer,
                    EventAction.ACCEPT,
                    Status.RECEIVED,
                    Status.ACCEPTED,
                    {"deal_name": lead.deal_name, "deal_value": lead.deal_value, "currency": lead.currency},
                )
                if status in (Status.WON, Status.LOST):
                    closed = min(lead.decided_at + timedelta(days=rng.uniform(2, 45)), now - timedelta(minutes=1))
                    if status == Status.LOST:
                        lead.reason = rng.choice(LOST_REASONS)
                    self._event(
                        lead,
                        closed,
                        self.answerer,
                        EventAction.WIN if status == Status.WON else EventAction.LOSE,
                        Status.ACCEPTED,
                        status,
                        {"reason": lead.reason} if lead.reason else None,
                    )
        self.leads.append(lead)

    def status_for(self, received_at: datetime) -> str:
        """An outcome that fits the lead's age: only an old lead can have expired, only a young one still waits."""
        rng, age = self.rng, self.now - received_at
        if age < self.response and rng.random() < 0.5 * (1 - age / self.response) + 0.1:
            return Status.RECEIVED
        if age >= self.response and rng.random() < self.expire_share:
            return Status.EXPIRED
        if rng.random() < self.decline_share:
            return Status.DECLINED
        if age < timedelta(days=10):
            return Status.ACCEPTED
        return rng.choices([Status.ACCEPTED, Status.WON, Status.LOST], weights=[3, 4, 3])[0]

    def save(self) -> int:
        Customer.objects.bulk_create([lead.customer for lead in self.leads])
        for lead in self.leads:
            lead.customer_id = lead.customer.pk
        Lead.objects.bulk_create(self.leads)
        LeadEvent.objects.bulk_create(self.events)
        leads_search_index(self.leads)
        return len(self.leads)


def seed_history(organisation, *, by, answerer, customers, now: datetime) -> int:
    """Give `organisation` about DAYS days of leads (the showcase ones newest), `by` sending them (vendor staff)
    and `answerer` (a partner member) answering. Returns how many leads were written."""
    history = _History(organisation, by=by, answerer=answerer, customers=customers, now=now)
    rng = history.rng
    for day in range(DAYS, 0, -1):
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4])):
            received_at = now - timedelta(days=day, seconds=rng.randrange(86400))
            history.add(rng.randrange(len(customers)), rng.choice(TYPES), received_at, history.status_for(received_at))
    for customer_index, lead_type, age, status, contact_requested in SHOWCASE:
        history.add(customer_index, lead_type, now - age, status, contact_requested)
    written = history.save()
    profiles_refresh_response_times(organisation_ids=[organisation.pk], now=now)
    return written
