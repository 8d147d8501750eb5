"""Celery tasks: the periodic jobs and the e-mails about leads. Each takes ids and is safe to run twice."""

import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError

from leads import notifications, services
from leads.exceptions import LeadConflict
from leads.models import EmailKind, Lead, LeadType
from leads.selectors.outcomes import all_lead_outcomes
from routing.services import stats_rebuild

logger = logging.getLogger(__name__)


@shared_task
def expire_overdue_leads() -> int:
    """The beat job: leads left unanswered for LEADHUB_RESPONSE_DAYS become expired (referrers are told)."""
    return services.leads_expire_overdue()


@shared_task
def cool_hot_leads() -> int:
    """The beat job: leads received LEADHUB_HOT_HOURS ago stop being hot."""
    return services.leads_cool_hot()


@shared_task
def refresh_response_times() -> int:
    """The nightly job: every directory profile's median response time, so the 90-day window keeps moving."""
    return len(services.profiles_refresh_response_times())


# A mail server (or database) that is down: retry after 15 s, 30 s, … doubling up to 10 min, ten times (56 min
# in all with the default first wait). The message stays in the broker meanwhile, and each wait stays under the
# Redis visibility timeout (2 × CELERY_TASK_TIME_LIMIT) so a waiting retry is not delivered a second time.
@shared_task(
    autoretry_for=(SMTPException, OSError, OperationalError),
    retry_backoff=settings.LEADHUB_EMAIL_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=600,
    retry_jitter=False,
    max_retries=10,
)
def lead_notify(*, kind: str, lead_id: str, event_id: int | None = None) -> int:
    """Send the `kind` e-mail (an EmailKind) about one lead (a follow-up: one event) to whoever has not had it."""
    return notifications.lead_email_send(kind=kind, lead_id=lead_id, event_id=event_id)


@shared_task
def resend_missed_emails() -> int:
    """The beat job: queue again each e-mail whose task was lost or gave up, for LEADHUB_EMAIL_CATCH_UP_HOURS."""
    missed = notifications.emails_missed()
    for kind, lead_id, event_id in missed:
        lead_notify.delay(kind=kind, lead_id=lead_id, event_id=event_id)
    return len(missed)


@shared_task
def leads_expired_notify(*, lead_ids: list[str]) -> int:
    """One expiry batch → one e-mail task per lead and kind (its referrer; for a customer's inquiry, the customer
    too), so one slow or failing address holds up no other. Called by the follower leads.subscribers.
    send_expiry_emails; still a task for the messages that releases before the followers queued."""
    inquiries = {
        str(pk)
        for pk in Lead.objects.filter(pk__in=lead_ids, lead_type=LeadType.CUSTOMER_INQUIRY).values_list("pk", flat=True)
    }
    for lead_id in lead_ids:
        lead_notify.delay(kind=EmailKind.EXPIRE.value, lead_id=lead_id)
        if lead_id in inquiries:
            lead_notify.delay(kind=EmailKind.NO_ANSWER.value, lead_id=lead_id)
    return len(lead_ids)


@shared_task
def leads_notify_many(*, kind: str, lead_ids: list[str]) -> int:
    """A batch's e-mails of one kind (a bulk's thousand declines) → one e-mail task per lead, queued here by the
    worker rather than one by one by the request that made the change."""
    for lead_id in lead_ids:
        lead_notify.delay(kind=kind, lead_id=lead_id, event_id=None)
    return len(lead_ids)


@shared_task
def leads_reroute(*, lead_ids: list[str]) -> int:
    """Send each declined or expired qualified lead on to the next eligible partner (LEADHUB_AUTO_REROUTE); a lead
    nobody else may take, or one already sent on, stays where it is. Returns how many went on."""
    sent = 0
    for lead_id in lead_ids:
        try:
            services.lead_reroute(lead=lead_id, by=None)
        except (LeadConflict, ValidationError) as exc:
            logger.info("Lead %s not sent on: %s", lead_id, getattr(exc, "message", exc))
        else:
            sent += 1
    return sent


@shared_task
def leads_teach_routing(*, lessons: list[list[str]]) -> int:
    """Routing learns from a batch of ([history action, lead id]) decisions, off the path of the change that made
    them (the expiry job's batch, a person's answer); the qualified leads declined or expired among them go on to
    the next partner when LEADHUB_AUTO_REROUTE is on. Returns how many went on. A lost task loses its lessons only
    until the nightly rebuild. Called by the follower leads.subscribers.teach_routing; still a task for the
    messages that releases before the followers queued."""
    onward = services.routing_learn([(action, lead_id) for action, lead_id in lessons])
    return leads_reroute(lead_ids=onward) if onward and settings.LEADHUB_AUTO_REROUTE else 0


@shared_task
def rebuild_routing_statistics() -> tuple[int, int]:
    """The nightly job: routing's learnt statistics rebuilt from every lead (the events keep them current)."""
    return stats_rebuild(all_lead_outcomes())
