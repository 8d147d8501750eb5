"""Reads of partner organisations for their own members: the business profile and who belongs to the organisation."""

from django.db.models import QuerySet

from profiles.models import BusinessProfile, Membership, Organisation


def profile_get_for(organisation: Organisation) -> BusinessProfile:
    """The organisation's profile with its locations; an unsaved empty one until the first edit."""
    profile = BusinessProfile.objects.filter(organisation=organisation).prefetch_related("locations").first()
    return profile or BusinessProfile(organisation=organisation)


def organisation_members(organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation).select_related("user").order_by("role", "user__username")
    )
