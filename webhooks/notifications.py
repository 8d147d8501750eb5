"""The e-mail to partner admins when LeadHub disables one of their webhook endpoints (EN/CS templates)."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from profiles.models import Location, Role
from webhooks.models import Endpoint

logger = logging.getLogger(__name__)


def organisation_language(organisation_id: int) -> str:
    """Czech for a partner whose offices are all in the Czech Republic, else English (users record no language)."""
    countries = set(Location.objects.filter(profile__organisation_id=organisation_id).values_list("country", flat=True))
    return "cs" if countries and {country.upper() for country in countries} == {"CZ"} else "en"


def endpoint_disabled_email(*, endpoint_id: int) -> int:
    """Send the notice to each active partner admin with an address; how many were sent."""
    endpoint = Endpoint.objects.select_related("organisation").filter(pk=endpoint_id).first()
    if endpoint is None or endpoint.is_active:
        return 0  # deleted, or resumed meanwhile
    admins = list(
        get_user_model()
        .objects.filter(
            membership__organisation_id=endpoint.organisation_id,
            membership__role=Role.PARTNER_ADMIN,
            is_active=True,
        )
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )
    if not admins:
        return 0
    language = organisation_language(endpoint.organisation_id)
    context = {
        "endpoint": endpoint,
        "recipient": {"language": language},
        "organisation": endpoint.organisation,
        "webhooks_url": f"{settings.LEADHUB_BASE_URL.rstrip('/')}/profile/webhooks/{endpoint.pk}/",
    }
    folder = f"emails/webhook_disabled/{language}"
    with translation.override(language):
        subject = " ".join(render_to_string(f"{folder}/subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"{folder}/body.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=admins,
            headers={"Auto-Submitted": "auto-generated"},
        )
        message.attach_alternative(render_to_string(f"{folder}/body.html", context), "text/html")
    message.send()
    logger.info("Told %d partner admins that webhook endpoint %s is disabled.", len(admins), endpoint.pk)
    return len(admins)
