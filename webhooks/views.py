"""The webhooks pages for partner admins: register endpoints (the secret shown once), rotate, pause, delete, test,
and the delivery log with every attempt, where any delivery can be sent again. Thin: services do the work."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from webhooks import services
from webhooks.crypto import secret_decrypt, secret_encrypt
from webhooks.forms import EndpointForm
from webhooks.models import EventType
from webhooks.selectors import deliveries_for, endpoint_get_for, endpoints_for, managed_organisation_id

EVENT_LABELS = dict(EventType.choices)
NEW_SECRET = "webhooks-new-secret"


def _hand_over(request, endpoint, secret: str) -> None:
    """Keep a new secret for the one page the browser is sent to next (post/redirect/get: a reload then shows the
    page again instead of registering a second endpoint or rotating twice). Encrypted, as in the database."""
    request.session[NEW_SECRET] = {"endpoint": endpoint.pk, "secret": secret_encrypt(secret)}


def _take_over(request, endpoint_id: int | None = None) -> tuple[int | None, str | None]:
    """The secret handed over, once: (endpoint id, secret), or (None, None). Only for the endpoint it was made for."""
    kept = request.session.pop(NEW_SECRET, None)
    if not kept or (endpoint_id is not None and kept["endpoint"] != endpoint_id):
        return None, None
    return kept["endpoint"], secret_decrypt(kept["secret"])


def _errors_to_form(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def endpoint_list(request):
    managed_organisation_id(request.user)
    form = EndpointForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                created, secret = services.endpoint_create(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _errors_to_form(form, exc)
            else:
                _hand_over(request, created, secret)
                return redirect("webhooks:list")
        created, secret, status = None, None, 400
    else:
        created_id, secret = _take_over(request)
        created = endpoints_for(request.user).filter(pk=created_id).first() if created_id else None
        secret, status = (secret if created else None), 200
    return render(
        request,
        "webhooks/endpoint_list.html",
        {
            "form": form,
            "endpoints": endpoints_for(request.user),
            "created": created,
            # Shown on this page only: the database keeps it encrypted and no page shows it again.
            "secret": secret,
            "event_labels": EVENT_LABELS,
        },
        status=status,
    )


def _detail(request, endpoint, *, secret: str | None = None, status: int = 200):
    return render(
        request,
        "webhooks/endpoint_detail.html",
        {
            "endpoint": endpoint,
            "deliveries": deliveries_for(endpoint),
            "secret": secret,
            "event_labels": EVENT_LABELS,
        },
        status=status,
    )


@never_cache
@login_required
def endpoint_detail(request, endpoint_id: int):
    endpoint = endpoint_get_for(request.user, endpoint_id)
    return _detail(request, endpoint, secret=_take_over(request, endpoint.pk)[1])


@never_cache
@login_required
@require_POST
def endpoint_rotate(request, endpoint_id: int):
    endpoint, secret = services.endpoint_rotate_secret(by=request.user, endpoint_id=endpoint_id)
    _hand_over(request, endpoint, secret)
    return redirect("webhooks:detail", endpoint_id=endpoint.pk)


def _act(request, endpoint_id: int, action, success: str):
    try:
        action()
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        messages.success(request, success)
    return redirect("webhooks:detail", endpoint_id=endpoint_id)


@login_required
@require_POST
def endpoint_pause(request, endpoint_id: int):
    return _act(
        request,
        endpoint_id,
        lambda: services.endpoint_set_paused(by=request.user, endpoint_id=endpoint_id, paused=True),
        _("Paused: nothing is sent to this endpoint."),
    )


@login_required
@require_POST
def endpoint_resume(request, endpoint_id: int):
    return _act(
        request,
        endpoint_id,
        lambda: services.endpoint_set_paused(by=request.user, endpoint_id=endpoint_id, paused=False),
        _("Resumed: events are sent to this endpoint."),
    )


@login_required
@require_POST
def endpoint_test(request, endpoint_id: int):
    return _act(
        request,
        endpoint_id,
        lambda: services.endpoint_send_test(by=request.user, endpoint_id=endpoint_id),
        _("A test event is on its way; its delivery appears in the log below."),
    )


@login_required
@require_POST
def delivery_resend(request, endpoint_id: int, delivery_id: int):
    return _act(
        request,
        endpoint_id,
        lambda: services.delivery_resend(by=request.user, endpoint_id=endpoint_id, delivery_id=delivery_id),
        _("The delivery is sent again, with the same webhook-id."),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def endpoint_delete(request, endpoint_id: int):
    endpoint = endpoint_get_for(request.user, endpoint_id)
    if request.method == "POST":
        services.endpoint_delete(by=request.user, endpoint_id=endpoint.pk)
        messages.success(request, _("The endpoint %(url)s is deleted.") % {"url": endpoint.url})
        return redirect("webhooks:list")
    return render(request, "webhooks/endpoint_delete.html", {"endpoint": endpoint})
