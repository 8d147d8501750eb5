"""The e-mails owed about a lead: who receives which, in which language, built from templates, each sent once."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from leads.models import EmailDelivery, EmailKind, EventAction, Lead, LeadEvent, LeadType, Status
from leads.selectors.routing import other_partners_for
from profiles.models import Location, Role

logger = logging.getLogger(__name__)

# Neither leads nor users record a language, so where we know a recipient's country it stands in for one.
LANGUAGE_BY_COUNTRY = {"CZ": "cs"}

# Each e-mail only makes sense while the lead is still in a status it reports (a new-lead alert for a lead
# someone already answered would send people looking for nothing; a follow-up matters while the lead is open).
STATUSES_OF_KIND = {
    EmailKind.NEW_LEAD: {Status.RECEIVED},
    EmailKind.FOLLOW_UP: {Status.RECEIVED, Status.ACCEPTED},
    EmailKind.DECLINE: {Status.DECLINED},
    EmailKind.EXPIRE: {Status.EXPIRED},
    EmailKind.NO_ANSWER: {Status.EXPIRED},
}
# The history event after which each e-mail is owed.
ACTION_OF_KIND = {
    EmailKind.NEW_LEAD: EventAction.CREATE,
    EmailKind.FOLLOW_UP: EventAction.NOTE,
    EmailKind.DECLINE: EventAction.DECLINE,
    EmailKind.EXPIRE: EventAction.EXPIRE,
    EmailKind.NO_ANSWER: EventAction.EXPIRE,
}
# A customer's inquiry is addressed to one partner by the customer, so when that partner declines it or lets it
# expire, the customer's e-mail names other partners that could help (DESIGN §7).
SUGGESTING_KINDS = {EmailKind.DECLINE, EmailKind.NO_ANSWER}
SUGGESTIONS = 3
# Kinds owed once per event (each follow-up) rather than once per lead.
PER_EVENT_KINDS = {EmailKind.FOLLOW_UP}
# A task's own retries take up to an hour; only after that is an e-mail still owed counted as missed.
MISSED_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    language: str


def language_for_country(country: str) -> str:
    language = LANGUAGE_BY_COUNTRY.get((country or "").upper(), "")
    return language if language in dict(settings.LANGUAGES) else "en"


def recipients_for(kind: str, lead: Lead) -> list[Recipient]:
    """Who receives the `kind` e-mail about the lead, without duplicate addresses."""
    if kind in (EmailKind.NEW_LEAD, EmailKind.FOLLOW_UP):
        recipients = _partner_alert_recipients(lead)
    elif kind == EmailKind.DECLINE or (kind == EmailKind.NO_ANSWER and lead.lead_type == LeadType.CUSTOMER_INQUIRY):
        customer = lead.customer
        recipients = [Recipient(customer.email, customer.contact_name, language_for_country(customer.country))]
    elif kind == EmailKind.NO_ANSWER:
        recipients = []
    elif kind == EmailKind.EXPIRE:
        recipients = [Recipient(lead.referred_by_email, "", "en")] if lead.referred_by_email else []
    else:
        raise ValueError(f"No e-mail of kind {kind!r}.")
    unique = {}
    for recipient in recipients:
        unique.setdefault(recipient.email.strip().lower(), recipient)
    return [Recipient(email, r.name, r.language) for email, r in unique.items() if email]


def _partner_alert_recipients(lead: Lead) -> list[Recipient]:
    """The alert contacts of the partner's locations in the customer's country, else the partner admins."""
    # A customer with no country matches no office: every office has one.
    offices = Location.objects.filter(profile__organisation_id=lead.partner_id, country__iexact=lead.customer.country)
    recipients = [Recipient(o.contact_email, o.contact_name, language_for_country(o.country)) for o in offices]
    if recipients:
        return recipients
    admins = (
        get_user_model()
        .objects.filter(
            membership__organisation_id=lead.partner_id,
            membership__role=Role.PARTNER_ADMIN,
            is_active=True,
        )
        .exclude(email="")
        .order_by("pk")
    )
    return [Recipient(user.email, user.get_full_name() or user.get_username(), "en") for user in admins]


def build_message(
    kind: str, lead: Lead, recipient: Recipient, event: LeadEvent | None = None
) -> EmailMultiAlternatives:
    """The e-mail in the recipient's language: templates/emails/<kind>/<language>/{subject.txt,body.txt,body.html}."""
    base_url = settings.LEADHUB_BASE_URL.rstrip("/")
    context = {
        "lead": lead,
        "event": event,
        "follow_up": event.changes if event is not None else {},
        "customer": lead.customer,
        "partner": lead.partner,
        "recipient": recipient,
        "lead_url": f"{base_url}/leads/{lead.pk}/",
        "directory_url": f"{base_url}/partners/",
        "response_days": settings.LEADHUB_RESPONSE_DAYS,
        "hot_hours": settings.LEADHUB_HOT_HOURS,
    }
    folder = f"emails/{kind}/{recipient.language}"
    with translation.override(recipient.language):
        if kind in SUGGESTING_KINDS and lead.lead_type == LeadType.CUSTOMER_INQUIRY:
            context["other_partners"] = [
                {"name": match.name, "url": f"{base_url}/partners/{match.slug}/"}
                for match in other_partners_for(lead, limit=SUGGESTIONS)
            ]
        # A header cannot hold a line break: the subject is one line whatever the data.
        subject = " ".join(render_to_string(f"{folder}/subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"{folder}/body.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[recipient.email],
            headers={"Auto-Submitted": "auto-generated"},
        )
        message.attach_alternative(render_to_string(f"{folder}/body.html", context), "text/html")
    return message


def lead_email_send(*, kind: str, lead_id: str, event_id: int | None = None) -> int:
    """Send the `kind` e-mail about the lead (for a follow-up: about its event `event_id`) to every recipient it
    has not reached yet; returns how many were sent.

    Raises what the mail server raises (the task retries); whatever was sent before that stays recorded.
    """
    lead = Lead.objects.select_related("customer", "partner").filter(pk=lead_id).first()
    if lead is None:
        logger.warning("No %s e-mail: lead %s does not exist.", kind, lead_id)
        return 0
    event = None
    if kind in PER_EVENT_KINDS:
        event = LeadEvent.objects.filter(pk=event_id, lead=lead, action=ACTION_OF_KIND[kind]).first()
        if event is None:
            logger.warning("No %s e-mail: lead %s has no such event %s.", kind, lead_id, event_id)
            return 0
    if lead.status not in STATUSES_OF_KIND[kind]:
        logger.info("No %s e-mail: lead %s is %s by now.", kind, lead_id, lead.status)
        return 0
    return sum(_send_once(kind, lead, recipient, event) for recipient in recipients_for(kind, lead))


def _send_once(kind: str, lead: Lead, recipient: Recipient, event: LeadEvent | None = None) -> bool:
    """Record the delivery and send in one transaction: the row commits only if the server took the message.

    A second run finds the row and skips; a run at the same moment waits on the unique key until the first
    commits (then skips) or rolls back (then sends). Only a crash between the server's "ok" and the commit
    can send a message twice.
    """
    message = build_message(kind, lead, recipient, event)
    with transaction.atomic():
        try:
            with transaction.atomic():
                EmailDelivery.objects.create(
                    kind=kind,
                    lead=lead,
                    event=event,
                    recipient=recipient.email,
                    language=recipient.language,
                    subject=message.subject[:255],
                )
        except IntegrityError:
            return False
        message.send()
    logger.info("Sent the %s e-mail about lead %s to %s.", kind, lead.pk, recipient.email)
    return True


def emails_missed(*, now: datetime | None = None) -> list[tuple[str, str, int | None]]:
    """(kind, lead id, event id or None) of each e-mail owed for an event between LEADHUB_EMAIL_CATCH_UP_HOURS and
    an hour ago that nobody received: its task was lost (the broker was down at commit) or gave up (the mail server
    was down longer than its retries). The lead must still be in a status the e-mail reports."""
    now = now or timezone.now()
    since = now - timedelta(hours=settings.LEADHUB_EMAIL_CATCH_UP_HOURS)
    missed = []
    for kind, action in ACTION_OF_KIND.items():
        events = LeadEvent.objects.filter(
            action=action,
            at__gte=since,
            at__lt=now - MISSED_AFTER,
            lead__status__in=STATUSES_OF_KIND[kind],
        )
        if kind in PER_EVENT_KINDS:
            events = events.exclude(email_deliveries__kind=kind)
            missed += [
                (kind.value, str(lead_id), event_id)
                for lead_id, event_id in events.order_by("at", "id").values_list("lead_id", "id")
            ]
            continue
        events = events.exclude(lead__email_deliveries__kind=kind)
        if kind == EmailKind.EXPIRE:
            events = events.exclude(lead__referred_by_email="")
        if kind == EmailKind.NO_ANSWER:
            events = events.filter(lead__lead_type=LeadType.CUSTOMER_INQUIRY)
        lead_ids = events.order_by().values_list("lead_id", flat=True).distinct()
        missed += [(kind.value, str(lead_id), None) for lead_id in lead_ids]
    return missed
