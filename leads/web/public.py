"""The public contact form's POST: a customer's inquiry becomes a `customer_inquiry` lead for that partner."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.client_address import client_address
from common.rate_limits import limit_reached, over_limit
from leads.forms import apply_service_errors
from leads.services import lead_create_inquiry
from profiles.directory import ContactForm, partner_profile, render_partner_page

RATE_WINDOW_SECONDS = 3600


def _rate_key(request) -> str:
    return f"inquiry-rate:{client_address(request)}"


def _rate_limited(request) -> bool:
    """Whether the client address has used up its hourly allowance. Only inquiries that passed every check are
    counted (_count_inquiry): a first valid message from an address shared with others is never refused for
    someone's typos."""
    return limit_reached(_rate_key(request), limit=settings.LEADHUB_INQUIRY_RATE_PER_HOUR)


def _count_inquiry(request) -> None:
    over_limit(_rate_key(request), limit=settings.LEADHUB_INQUIRY_RATE_PER_HOUR, window_seconds=RATE_WINDOW_SECONDS)


@require_POST
def partner_contact(request, slug: str):
    profile = partner_profile(slug)
    form = ContactForm(request.POST)
    thanks = _("Thank you — %(partner)s has your message and will get back to you soon.") % {
        "partner": profile.organisation.name
    }
    if not form.is_valid():
        return render_partner_page(request, profile, form, status=400)
    if _rate_limited(request):
        return render_partner_page(request, profile, form, status=429, rate_limited=True)
    if form.is_bot:
        _count_inquiry(request)
        # Look like success so the bot learns nothing, but create nothing.
        messages.success(request, thanks)
        return redirect("directory:detail", slug=slug)
    data = form.cleaned_data
    try:
        lead_create_inquiry(
            partner=profile.organisation,
            customer={field: data[field] for field in ContactForm.CUSTOMER_FIELDS},
            need=data["need"],
            contact_requested=data["contact_requested"],
        )
    except ValidationError as exc:
        apply_service_errors(form, exc)
        return render_partner_page(request, profile, form, status=400)
    _count_inquiry(request)
    messages.success(request, thanks)
    return redirect("directory:detail", slug=slug)
