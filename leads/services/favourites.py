"""A user's heart on a lead."""

from django.core.exceptions import PermissionDenied

from leads.models import Favorite, Lead
from leads.selectors import lead_get_for
from leads.services.live import leads_live_touch
from leads.tenancy import Actor


def lead_favorite_set(*, lead: Lead | str, by: Actor, favorite: bool) -> bool:
    """Mark or unmark the lead with the user's heart; idempotent, and allowed on archived leads too."""
    lead = lead_get_for(by, lead.pk if isinstance(lead, Lead) else lead)
    if not getattr(by, "is_authenticated", False):
        raise PermissionDenied("Log in first.")
    if favorite:
        Favorite.objects.get_or_create(user=by, lead=lead)
    else:
        Favorite.objects.filter(user=by, lead=lead).delete()
    leads_live_touch(user_ids=[by.pk])
    return favorite
