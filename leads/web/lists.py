"""The lead lists (one per ListTab): filtered, searched, sorted and paged; HTMX swaps the results or the panel."""

from datetime import UTC, datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from leads.models import ARCHIVED_STATUSES, DeclineReason, ListTab, Stage, Status
from leads.pagination import KEYSETS, paginate
from leads.selectors import ListFilters, lead_list_for
from leads.selectors.filters import SORT_CHOICES
from leads.selectors.live import lead_tab_state
from leads.web.rows import LeadRows

PAGE_SIZE = 25
# `page=N` skips (N - 1) pages with OFFSET, which reads every row before it: fine for the first pages only.
MAX_PAGE_NUMBER = 100
# What a list row shows (leads_ui.LeadRows), plus the keysets' columns (received_at, id).
# The live refresh (leads.web.live): an empty first page polls for anything newer than this.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
ROW_FIELDS = (
    "id",
    "lead_type",
    "status",
    "need",
    "received_at",
    "respond_by",
    "contact_requested",
    "deal_value",
    "currency",
    "customer__company",
    "customer__contact_name",
    "customer__country",
    "is_favorite",
)
# The status select: all, each stage, then each archived status (values from leads.selectors.STATUS_FILTERS).
STATUS_FILTER_CHOICES = [
    ("", gettext_lazy("All")),
    # The same word as the rows' status badges (Status.RECEIVED), so the filter names what the rows show.
    (Stage.RECEIVED.value, Status.RECEIVED.label),
    (Stage.ACCEPTED.value, gettext_lazy("Accepted")),
    (Stage.ARCHIVED.value, gettext_lazy("Archived")),
    *[(value, label) for value, label in Status.choices if value in ARCHIVED_STATUSES],
]


def tabs(user, counts: dict | None = None, *, tab: str = ListTab.MARKETPLACE) -> list[dict]:
    """The three tabs of the header, each with how many of its leads still wait for an answer (and saying so).
    Without `counts`, they come with the state of `tab` (any tab's has them all): from the cache while nothing
    changed since it was last counted (leads.selectors.live.lead_tab_state)."""
    counts = lead_tab_state(user, tab)[1] if counts is None else counts
    return [
        {
            "name": name,
            "label": label,
            "url": reverse(f"leads:{name}"),
            "waiting": counts[name],
            # What the badge counts, in visible words ("3 waiting"): a bare number was explained only by a tooltip.
            "badge": ngettext("%(n)s waiting", "%(n)s waiting", counts[name]) % {"n": counts[name]},
            "title": ngettext("%(n)s lead waiting for an answer", "%(n)s leads waiting for an answer", counts[name])
            % {"n": counts[name]},
        }
        for name, label in ListTab.choices
    ]


@require_GET
@login_required
def lead_list(request, tab: str):
    """One tab of leads; HTMX gets only the part it swaps: the results, or the whole panel on a tab switch.

    The newest and least-time-left orders page by cursor (`cursor`; `page` still works for the first pages) and
    never count the tab; the deal-value order has no keyset, so it pages by number and counts.
    """
    filters = ListFilters.from_query(request.GET)
    template = "leads/lead_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#lead-results" if request.htmx.target == "lead-results" else "#lead-panel"
    listing = lead_list_for(request.user, tab=tab, filters=filters)
    # Only what a row shows, as named tuples: building model instances would cost more than rendering the rows.
    leads = listing.values_list(*ROW_FIELDS, named=True)
    if filters.sort in KEYSETS:
        items, total, nav = _keyset_page(request, leads, filters.sort, filters.wanted_statuses())
    else:
        items, total, nav = _numbered_page(request, leads, counted=listing)
    fragment = template.endswith("#lead-results")
    # The results fragment (search, filters, paging) leaves the tabs as they are: no need to count. Its poller then
    # starts without a fingerprint, and its first poll brings the counts and one. The whole page takes them from
    # what the last poll or page remembered while nothing changed since (the live refresh's marks).
    fingerprint, counts, _newest = ("", None, None) if fragment else lead_tab_state(request.user, tab)
    first_newest = (
        filters.sort == "newest" and not request.GET.get("cursor") and _page_number(request.GET.get("page")) == 1
    )
    context = {
        "tab": tab,
        "tab_label": ListTab(tab).label,
        "tabs": [] if fragment else tabs(request.user, counts),
        # The live refresh (leads.web.live) adds new leads on top of the newest-first order's first page only.
        "live_url": poll_url(
            request,
            tab,
            fingerprint=fingerprint,
            after=(items[0].received_at if items else EPOCH) if first_newest else None,
        ),
        "panel": True,
        "filters": filters,
        "status_options": _options(STATUS_FILTER_CHOICES, filters.status),
        "sort_options": _options(SORT_CHOICES, filters.sort),
        "rows": LeadRows(token=str(get_token(request)), next_url=request.get_full_path(), user=request.user).render(
            items
        ),
        "total": total,
        "nav": nav,
        "decline_reasons": DeclineReason.choices,
        "export_url": _link(request, reverse("leads:export", kwargs={"tab": tab}), page=None, cursor=None),
    }
    return varies_on_htmx(render(request, template, context))


def poll_url(request, tab: str, *, fingerprint: str, after) -> str:
    """The poller's address: the list's own filters (so new rows match them), the fingerprint, the newest row."""
    query = request.GET.copy()
    for key in ("fp", "after", "page", "cursor"):
        query.pop(key, None)
    query["fp"] = fingerprint
    if after:
        query["after"] = after.isoformat()
    return f"{reverse('leads:live', kwargs={'tab': tab})}?{query.urlencode()}"


def _options(choices, selected: str) -> list[tuple[str, str, bool]]:
    """A select's options as (value, label, selected), so the template does no comparing per option."""
    return [(value, str(label), value == selected) for value, label in choices]


def _link(request, path: str, **changes) -> str:
    """`path` with the current query string, each of `changes` set (or removed when None)."""
    query = request.GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    encoded = query.urlencode()
    return f"{path}?{encoded}" if encoded else path


def _page_number(value) -> int:
    """A page number for offset paging: the first pages only (deeper ones go by cursor); anything else is 1."""
    return int(value) if value and value.isascii() and value.isdigit() and 0 < int(value) <= MAX_PAGE_NUMBER else 1


def _keyset_page(request, leads, sort: str, statuses):
    """Rows after `cursor`, or the numbered page `page` (an offset, for the first pages); total only when known."""
    cursor = request.GET.get("cursor") or None
    number = 1
    page = None
    if cursor:
        try:
            page = paginate(leads, sort=sort, cursor=cursor, limit=PAGE_SIZE, statuses=statuses)
        except ValidationError:  # a stale or edited cursor: start again at the first page
            cursor = None
    if page is None:
        number = _page_number(request.GET.get("page"))
        page = paginate(
            leads, sort=sort, cursor=None, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE, statuses=statuses
        )
        if number > 1 and not page.items:  # past the end: the first page, as for a number out of range
            number = 1
            page = paginate(leads, sort=sort, cursor=None, limit=PAGE_SIZE, statuses=statuses)
    path = request.path
    nav = {
        "first": _link(request, path, page=None, cursor=None) if cursor or number > 2 else None,
        "previous": _link(request, path, page=number - 1 if number > 2 else None, cursor=None)
        if not cursor and number > 1
        else None,
        "label": _("Page %(n)s") % {"n": number} if not cursor else "",
        "next": _link(request, path, page=None, cursor=page.next_cursor) if page.next_cursor else None,
    }
    # The whole result is on this page only when it is the first one and no page follows: then it is counted.
    total = len(page.items) if not cursor and number == 1 and not page.next_cursor else None
    return page.items, total, nav


def _numbered_page(request, leads, *, counted):
    paginator = Paginator(leads, PAGE_SIZE)
    # Counted on the model query: the rows' customer columns would make the count join every customer of the tab.
    paginator.count = counted.count()
    page = paginator.get_page(request.GET.get("page"))
    path = request.path
    nav = {
        "first": None,
        "previous": _link(request, path, page=page.previous_page_number(), cursor=None)
        if page.has_previous()
        else None,
        "label": _("Page %(n)s of %(total)s") % {"n": page.number, "total": page.paginator.num_pages},
        "next": _link(request, path, page=page.next_page_number(), cursor=None) if page.has_next() else None,
    }
    return page.object_list, page.paginator.count, nav


def varies_on_htmx(response):
    """One URL answers with a page or a fragment: caches must keep them apart."""
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response
