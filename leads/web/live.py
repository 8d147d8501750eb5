"""The open list tab keeps itself current (DESIGN §11): HTMX asks `live/` every 20 s with the fingerprint it last
saw; an unchanged tab answers 204 (nothing swapped, nothing lost), a changed one answers out-of-band swaps only:
the new rows at the top of the list, the tab counts, the flame banner for a hot arrival, and the poller itself
with the new fingerprint. Rows already shown, their checkboxes, the scroll position and any open form are left
alone. The usual answer, 204, mostly comes from the cache alone (leads.selectors.live's marks)."""

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

from leads.exceptions import LeadNotFound
from leads.models import ListTab, hot_state
from leads.selectors import ListFilters, lead_list_for
from leads.selectors.live import lead_tab_fingerprint, lead_tab_marks, lead_tab_remember
from leads.web.lists import ROW_FIELDS, poll_url, tabs
from leads.web.rows import LeadRows

MAX_NEW_ROWS = 50  # more than this arriving within one poll: the person reloads (the notice says how many)


def _after(value: str) -> datetime | None:
    parsed = parse_datetime(value) if value and len(value) < 40 else None
    return parsed if parsed is None or timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _list_url(request) -> str:
    """Where the hearts of the new rows return without JavaScript: the list the poll came from."""
    current = request.htmx.current_url_abs_path if request.htmx else None
    return current or reverse("leads:marketplace")


@require_GET
@login_required
def lead_live(request, tab: str):
    if tab not in ListTab.values:
        raise LeadNotFound("No such tab.")
    seen = request.GET.get("fp")
    unchanged, marks = lead_tab_marks(request.user, tab, seen)
    if unchanged:  # the cache alone says so: no round trip to the database
        return HttpResponse(status=204)
    state = lead_tab_fingerprint(request.user, tab)
    lead_tab_remember(request.user, tab, state, marks)
    fingerprint, counts, _newest = state
    if seen == fingerprint:
        return HttpResponse(status=204)
    filters = ListFilters.from_query(request.GET)
    after = _after(request.GET.get("after", ""))
    new_rows, hot = [], []
    # New rows go on top only where new leads belong on top: the newest-first order's first page.
    if filters.sort == "newest" and after is not None:
        rows = list(
            lead_list_for(request.user, tab=tab, filters=filters)
            .filter(received_at__gt=after)
            .values_list(*ROW_FIELDS, named=True)[:MAX_NEW_ROWS]
        )
        new_rows = rows
        now = timezone.now()
        hot = [
            row
            for row in rows
            if hot_state(
                contact_requested=row.contact_requested, status=row.status, received_at=row.received_at, now=now
            )
            == "hot"
        ]
    shown = max((row.received_at for row in new_rows), default=after)
    context = {
        "tab": tab,
        "panel": True,
        "tabs": tabs(request.user, counts),
        "rows": LeadRows(token=str(get_token(request)), next_url=_list_url(request), user=request.user).render(new_rows)
        if new_rows
        else "",
        "new_count": len(new_rows),
        "hot": hot[0] if hot else None,
        "live_url": poll_url(request, tab, fingerprint=fingerprint, after=shown),
    }
    response = render(request, "leads/_live.html", context)
    response["Cache-Control"] = "no-store"
    return response
