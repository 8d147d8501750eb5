"""Erasing personal data: the one path the append-only rule (the database triggers of leads' migration 0010)
lets through, and what it blanks, for the retention job and for a person's erasure request alike.

What stays is what the figures need: statuses, dates, values, company, size, country and city.
"""

from collections.abc import Iterable
from contextlib import contextmanager

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction

from leads.models import Customer, EmailDelivery, Lead, LeadEvent, TeamMember
from leads.services import leads_search_refresh

# Keys of a history event's `changes` (and of a webhook payload, the lead as the API shows it) that hold personal
# data: need and notes are free text about the customer; team and team_member name people; a deal name usually
# names the customer or their company, and a CRM id is the partner's key to the person's record (leads migration
# 0015). Their values become null, the keys stay so the history still says what kind of thing changed. A
# campaign id names the partner's campaign, not the person: it goes only where it mentions them.
PERSONAL_CHANGE_KEYS = (
    "need",
    "notes",
    "reason_notes",
    "deal_name",
    "crm_id",
    "contact_name",
    "email",
    "phone",
    "team",
    "team_member",
)
# Strings shorter than this are not searched for inside other text (an initial would match everything).
SHORTEST_NEEDLE = 3


@contextmanager
def sanctioned_erasure():
    """A transaction in which the database lets personal fields of archived leads and of history events change
    (`leadhub.erasure`, checked by the triggers; SET LOCAL ends with the transaction, and it is switched off
    again on the way out). Status, dates, values and actors stay refused, and so does deleting."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL leadhub.erasure = 'on'")
        yield
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL leadhub.erasure = 'off'")


def _mentions(value: str, needles: Iterable[str]) -> bool:
    folded = value.casefold()
    return any(needle in folded for needle in needles)


def scrubbed(value, needles: Iterable[str] = ()):
    """`value` (an event's `changes`) with the personal keys' values null, and any string mentioning one of
    `needles` (casefolded) null too, however deep it sits."""
    if isinstance(value, dict):
        return {key: None if key in PERSONAL_CHANGE_KEYS else scrubbed(item, needles) for key, item in value.items()}
    if isinstance(value, list):
        return [scrubbed(item, needles) for item in value]
    if isinstance(value, str) and _mentions(value, needles):
        return None
    return value


def _json_scrub(rows: models.QuerySet, field: str, needles) -> int:
    """Scrub a JSON column of these rows (their personal keys null, strings mentioning a needle null); how many
    changed. Through a plain QuerySet: LeadEvent's manager refuses every update, and this is the sanctioned
    exception."""
    writable = models.QuerySet(model=rows.model)
    changed = 0
    for row_id, value in rows.values_list("id", field).iterator(chunk_size=500):
        clean = scrubbed(value, needles)
        if clean != value:
            writable.filter(pk=row_id).update(**{field: clean})
            changed += 1
    return changed


def webhook_deliveries(lead_ids) -> models.QuerySet | None:
    """The webhook deliveries about these leads (their payload is the lead as the API showed it), when the
    webhooks app is installed; privacy does not import it."""
    if not apps.is_installed("webhooks"):
        return None
    return apps.get_model("webhooks", "Delivery").objects.filter(lead__in=lead_ids)


def _webhook_answers_blank(lead_ids) -> int:
    """Blank what partners' CRMs answered to the webhook deliveries about these leads: an answer is kept as the
    CRM sent it (`Attempt.response_body`) and may echo the contact back. How many answers were blanked."""
    attempts = apps.get_model("webhooks", "Attempt").objects.filter(delivery__lead__in=lead_ids)
    return attempts.exclude(response_body="").update(response_body="")


def _deals_blank(leads: models.QuerySet, needles) -> int:
    """Blank the deal name and CRM id of these leads, and a campaign id that mentions the person."""
    changed = leads.exclude(deal_name="", crm_id="").update(deal_name="", crm_id="")
    mentioning = [
        pk
        for pk, campaign in leads.exclude(campaign_id="").values_list("pk", "campaign_id")
        if _mentions(campaign, needles)
    ]
    return changed + leads.filter(pk__in=mentioning).update(campaign_id="")


def leads_anonymise(lead_ids: Iterable, *, needles: Iterable[str] = (), whole_team: bool = True) -> dict[str, int]:
    """Blank the personal data of these leads, through the sanctioned path: their need, notes and reason notes,
    their deal name and CRM id (and a campaign id mentioning a needle), their customers' contact name, e-mail
    and phone, their webhook deliveries' payloads and what the CRMs answered to them, their team members'
    contacts (all of them with `whole_team`, else those mentioning a needle), the customer's e-mail deliveries,
    the personal values in their history, and their search rows. Returns how many rows of each kind changed (0
    each when run again)."""
    lead_ids = list(lead_ids)
    needles = [needle.casefold() for needle in needles if len(needle) >= SHORTEST_NEEDLE]
    with sanctioned_erasure():
        leads = Lead.objects.filter(pk__in=lead_ids)
        customers = Customer.objects.filter(pk__in=leads.values("customer_id"))
        addresses = [email for email in customers.values_list("email", flat=True) if email]
        team = TeamMember.objects.filter(lead__in=lead_ids).exclude(name="", email="", phone="")
        if not whole_team:
            team = team.filter(
                pk__in=[
                    member.pk for member in team if _mentions(f"{member.name}\n{member.email}\n{member.phone}", needles)
                ]
            )
        counts = {
            "leads": leads.exclude(need="", notes="", reason_notes="").update(need="", notes="", reason_notes=""),
            "customers": customers.exclude(contact_name="", email="", phone="").update(
                contact_name="", email="", phone=""
            ),
            "team members": team.update(name="", email="", phone=""),
            "e-mail deliveries": EmailDelivery.objects.filter(lead__in=lead_ids, recipient__in=addresses).update(
                recipient=""
            ),
            "deals": _deals_blank(leads, needles),
            "history events": _json_scrub(LeadEvent.objects.filter(lead__in=lead_ids), "changes", needles),
        }
        deliveries = webhook_deliveries(lead_ids)
        if deliveries is not None:
            counts["webhook deliveries"] = _json_scrub(deliveries, "payload", needles)
            counts["webhook answers"] = _webhook_answers_blank(lead_ids)
        counts["search rows"] = leads_search_refresh(lead_ids) if any(counts.values()) else 0
    return counts


def log_entries_scrub(*, customer_ids: Iterable[int], leads_ids: Iterable, address: str) -> int:
    """The admin's own log names objects by their str() (a customer's includes the contact's name): blank the
    entries about the person's customer rows and leads, and any naming their address. Matching their name in
    every entry would blank other people's entries that merely share a first name."""
    customer_type = ContentType.objects.get_for_model(Customer)
    lead_type = ContentType.objects.get_for_model(Lead)
    about = (
        models.Q(content_type=customer_type, object_id__in=[str(pk) for pk in customer_ids])
        | models.Q(content_type=lead_type, object_id__in=[str(pk) for pk in leads_ids])
        | models.Q(object_repr__icontains=address)
        | models.Q(change_message__icontains=address)
    )
    return (
        LogEntry.objects.filter(about)
        .exclude(object_repr="[erased]", change_message="")
        .update(object_repr="[erased]", change_message="")
    )
