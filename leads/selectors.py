"""Reads of leads. The tenant gate lives here: every lead a user can reach comes through `lead_queryset_for`."""
import uuid

from django.db.models import Exists, OuterRef, QuerySet

from leads.exceptions import LeadNotFound
from leads.models import Favorite, Lead, LeadEvent


def lead_queryset_for(user) -> QuerySet[Lead]:
    """Every lead `user` may see: all for vendor ops staff, their organisation's for a partner member, else none."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Lead.objects.none()
    if user.is_staff:
        return Lead.objects.all()
    membership = getattr(user, "membership", None)
    if membership is None:
        return Lead.objects.none()
    return Lead.objects.filter(partner_id=membership.organisation_id)


def parse_lead_id(value) -> uuid.UUID:
    """A lead id from a URL or a body; anything that is not a UUID is simply not found."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise LeadNotFound()


def with_favorite_flag(queryset: QuerySet[Lead], user) -> QuerySet[Lead]:
    return queryset.annotate(
        is_favorite=Exists(Favorite.objects.filter(lead_id=OuterRef("pk"), user_id=user.pk))
    )


def lead_get_for(user, lead_id, *, for_update: bool = False) -> Lead:
    """One lead the user may reach, with its customer and partner; LeadNotFound (404) otherwise."""
    queryset = lead_queryset_for(user)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    else:
        queryset = with_favorite_flag(queryset.select_related("customer", "partner"), user)
    try:
        return queryset.get(pk=parse_lead_id(lead_id))
    except Lead.DoesNotExist:
        raise LeadNotFound()


def lead_history(lead: Lead) -> QuerySet[LeadEvent]:
    return lead.events.select_related("actor").order_by("at", "id")
