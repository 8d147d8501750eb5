"""Reads of webhooks, through one gate: partner admins reach their organisation's endpoints, ops staff read all."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from webhooks.models import Attempt, Delivery, Endpoint

ALL_ORGANISATIONS = object()


def _scope(user, *, manage: bool):
    """The organisation id a partner admin manages, ALL_ORGANISATIONS for ops staff reading; else 403."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied(_("Log in first."))
    membership = getattr(user, "membership", None)
    if membership is not None and membership.is_partner_admin:
        return membership.organisation_id
    if user.is_staff and not manage:
        return ALL_ORGANISATIONS
    raise PermissionDenied(_("Only a partner admin manages webhooks."))


def managed_organisation_id(user) -> int:
    """The organisation whose webhooks `user` manages; 403 unless a partner admin."""
    return _scope(user, manage=True)


def endpoints_for(user, *, manage: bool = True, partner: str | None = None) -> QuerySet[Endpoint]:
    """The endpoints `user` may see (to change them: `manage`); ops staff may narrow to one partner's slug."""
    scope = _scope(user, manage=manage)
    endpoints = Endpoint.objects.select_related("organisation")
    if scope is not ALL_ORGANISATIONS:
        endpoints = endpoints.filter(organisation_id=scope)
    if partner:
        endpoints = endpoints.filter(organisation__slug=partner)
    return endpoints.order_by("created_at", "id")


def endpoint_get_for(user, endpoint_id, *, manage: bool = True, for_update: bool = False) -> Endpoint:
    """One endpoint `user` may reach; 404 for another organisation's or a missing one."""
    endpoints = endpoints_for(user, manage=manage)
    if for_update:
        endpoints = endpoints.select_for_update(of=("self",))
    try:
        return endpoints.get(pk=int(endpoint_id))
    except (Endpoint.DoesNotExist, TypeError, ValueError):
        raise Http404(_("No such webhook endpoint."))


def deliveries_for(endpoint: Endpoint, *, limit: int = 50) -> list[Delivery]:
    """The endpoint's latest deliveries, newest first, each with its attempts (two queries)."""
    return list(
        endpoint.deliveries.order_by("-created_at", "-id").prefetch_related(
            Prefetch("attempt_log", queryset=Attempt.objects.order_by("at", "id"))
        )[:limit]
    )
