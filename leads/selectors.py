"""Reads of leads. The tenant gate lives here: whose leads a user may reach is decided in `_partner_scope`, and
every read goes through it (querysets through `lead_queryset_for`)."""
import uuid

from django.db import connection
from django.db.models import Exists, F, OuterRef, QuerySet

from leads.exceptions import LeadNotFound
from leads.models import STAGE_STATUSES, Favorite, Lead, LeadEvent, LeadSearch, Status, Tab
from leads.visibility import contact_search_rule


ALL_PARTNERS = object()  # vendor ops staff see every partner's leads


def _partner_scope(user):
    """Whose leads `user` may see: ALL_PARTNERS (vendor ops staff), one organisation id (a partner member) or None."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_staff:
        return ALL_PARTNERS
    membership = getattr(user, "membership", None)
    return None if membership is None else membership.organisation_id


def lead_queryset_for(user) -> QuerySet[Lead]:
    """Every lead `user` may see: all for vendor ops staff, their organisation's for a partner member, else none."""
    scope = _partner_scope(user)
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


LIST_TABS = ("marketplace", "qualified", "favorites")
SORTS = {
    "newest": ("-received_at", "-id"),
    # respond_by is always received_at + LEADHUB_RESPONSE_DAYS, so the oldest lead has the least time left: this
    # order walks the tab's (received_at, id) index backwards instead of sorting every lead of the tab.
    "time_left": ("received_at", "id"),
    "deal_value": (F("deal_value").desc(nulls_last=True), "-received_at", "-id"),
}


def lead_list_for(user, *, tab: str | None = None, statuses=(), q: str = "", sort: str = "newest") -> QuerySet[Lead]:
    """The leads of one tab (or every tab when `tab` is None) that `user` may see, filtered, searched and sorted.

    `statuses` holds status values or a stage name (received, accepted, archived). Each row carries
    `is_favorite` and its customer, so a list page costs the same number of queries for 5 rows or 100.
    """
    leads = lead_queryset_for(user)
    if tab == "favorites":
        leads = leads.filter(favorites__user_id=user.pk)
    elif tab is not None:
        if tab not in LIST_TABS:
            raise LeadNotFound("No such tab.")
        leads = leads.filter(tab=tab)
    wanted = set()
    for value in statuses or ():
        wanted.update(STAGE_STATUSES.get(value, [value]))
    if wanted:
        leads = leads.filter(status__in=sorted(wanted))
    q = (q or "").strip()
    if q:
        leads = leads.filter(contact_search_rule(q, user), pk__in=lead_search_matches(q))
    ordering = SORTS.get(sort, SORTS["newest"])
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


def lead_waiting_counts(user) -> dict[str, int]:
    """How many leads still wait for an answer (status received) in each tab, for the tab headers.

    One query over the received leads only (the partial index `lead_waiting_idx`), so it stays cheap for a
    partner with hundreds of thousands of leads: only the last few days' leads are still waiting. Every page
    shows these counts, so the statement is written out: building it with the ORM cost ten times its run time.
    """
    scope = _partner_scope(user)
    if scope is None:
        return dict.fromkeys(LIST_TABS, 0)
    lead, favorite = Lead._meta.db_table, Favorite._meta.db_table
    where, params = "status = %s", [Status.RECEIVED.value]
    if scope is not ALL_PARTNERS:
        where, params = f"partner_id = %s AND {where}", [scope, *params]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT count(CASE WHEN tab = %s THEN 1 END), count(CASE WHEN tab = %s THEN 1 END),
                   count(CASE WHEN id IN (SELECT lead_id FROM {favorite} WHERE user_id = %s) THEN 1 END)
            FROM {lead} WHERE {where}
            """,
            [Tab.MARKETPLACE.value, Tab.QUALIFIED.value, user.pk, *params],
        )
        counts = cursor.fetchone()
    return dict(zip(LIST_TABS, counts))
