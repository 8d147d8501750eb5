"""Reads of leads, every one through the tenant gate: `lead_queryset_for` applies leads.tenancy's scope."""

import uuid

from django.db.models import Case, Exists, F, OuterRef, QuerySet, UUIDField, Value, When

from leads.exceptions import LeadNotFound
from leads.models import Favorite, Lead, LeadEvent, LeadSearch, ListTab, Status
from leads.selectors.filters import ListFilters
from leads.tenancy import ALL_PARTNERS, partner_scope
from leads.visibility import contact_search_rule


def lead_queryset_for(user) -> QuerySet[Lead]:
    """Every lead `user` may see: all for vendor ops staff, their organisation's for a partner member, else none."""
    scope = partner_scope(user)
    if scope is None:
        return Lead.objects.none()
    if scope is ALL_PARTNERS:
        return Lead.objects.all()
    return Lead.objects.filter(partner_id=scope)


def parse_lead_id(value) -> uuid.UUID:
    """A lead id from a URL or a body; anything that is not a UUID is simply not found."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise LeadNotFound()


def with_favorite_flag(queryset: QuerySet[Lead], user) -> QuerySet[Lead]:
    return queryset.annotate(is_favorite=Exists(Favorite.objects.filter(lead_id=OuterRef("pk"), user_id=user.pk)))


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


SORTS = {  # one order per SORT_NAMES (leads.selectors.filters)
    "newest": ("-received_at", "-id"),
    # Waiting leads first, least time left first (respond_by is always received_at + LEADHUB_RESPONSE_DAYS, so the
    # oldest has the least), then the rest newest first (DESIGN §5). This one statement sorts the whole tab: pages
    # go through leads.pagination.PHASES instead, one index walk per phase; the CSV export reads it whole.
    "time_left": (
        Case(When(status=Status.RECEIVED, then=Value(0)), default=Value(1)),
        Case(When(status=Status.RECEIVED, then=F("received_at"))).asc(nulls_last=True),
        Case(When(status=Status.RECEIVED, then=F("id")), output_field=UUIDField()).asc(nulls_last=True),
        "-received_at",
        "-id",
    ),
    "deal_value": (F("deal_value").desc(nulls_last=True), "-received_at", "-id"),
}


def lead_list_for(user, *, tab: str | None = None, filters: ListFilters = ListFilters()) -> QuerySet[Lead]:
    """The leads of one list tab (or every tab when `tab` is None) that `user` may see, filtered, searched, sorted.

    Each row carries `is_favorite` and its customer, so a list page costs the same number of queries for 5 rows
    or 100.
    """
    leads = lead_queryset_for(user)
    if tab == ListTab.FAVORITES:
        leads = leads.filter(favorites__user_id=user.pk)
    elif tab is not None:
        if tab not in ListTab.values:
            raise LeadNotFound("No such tab.")
        leads = leads.filter(tab=tab)
    wanted = filters.wanted_statuses()
    if wanted:
        leads = leads.filter(status__in=wanted)
    if filters.q:
        leads = leads.filter(contact_search_rule(filters.q, user), pk__in=lead_search_matches(filters.q))
    ordering = SORTS.get(filters.sort, SORTS["newest"])
    return with_favorite_flag(leads.select_related("customer", "partner"), user).order_by(*ordering)


def lead_search_matches(q: str) -> QuerySet:
    """The ids of all leads with `q` in any searched field, ignoring case: a subquery for `pk__in` on a queryset
    that is already scoped to the caller's leads.

    On PostgreSQL a trigram index (migration 0009) finds a rare term among millions of leads at once, while for a
    common term the planner walks the list's own index in order and checks each lead's row. It is not limited
    to one partner here on purpose: the planner would take the two partner conditions as independent and expect
    a handful of matches where there are thousands, then fetch and sort the whole tab instead of stopping early.
    """
    return LeadSearch.objects.filter(text__contains=q.lower()).values("lead_id")
