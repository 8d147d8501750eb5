"""What a list tab's live refresh compares (DESIGN §11): a fingerprint of the newest lead and the waiting counts.

The open tab asks every 20 s; when nothing changed the answer is empty, so the poll is one statement: the tab
counts over the waiting index and, in the same round trip, the newest lead of the tab (its list index's first
entry). The list page takes its tab counts from the same statement, so the probe costs it no extra round trip.
"""

import hashlib
from datetime import UTC

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from leads.models import Favorite, Lead, ListTab, Status, Tab
from leads.tenancy import ALL_PARTNERS, partner_scope


def _counts_and_newest(user, tab: str) -> tuple[dict[str, int], object]:
    """lead_waiting_counts(user), and when the newest lead of the tab (that the user may see) arrived (None for an
    empty tab), in one statement."""
    scope = partner_scope(user)
    if scope is None:
        return dict.fromkeys(ListTab.values, 0), None
    lead, favorite = Lead._meta.db_table, Favorite._meta.db_table
    mine, mine_params = ("", []) if scope is ALL_PARTNERS else ("partner_id = %s AND ", [scope])
    if tab == ListTab.FAVORITES:
        newest = (
            f"SELECT max(received_at) FROM {lead} WHERE {mine}id IN (SELECT lead_id FROM {favorite} WHERE user_id = %s)"
        )
        newest_params = [*mine_params, user.pk]
    else:
        newest = f"SELECT max(received_at) FROM {lead} WHERE {mine}tab = %s"
        newest_params = [*mine_params, tab]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT count(CASE WHEN tab = %s THEN 1 END), count(CASE WHEN tab = %s THEN 1 END),
                   count(CASE WHEN id IN (SELECT lead_id FROM {favorite} WHERE user_id = %s) THEN 1 END),
                   ({newest})
            FROM {lead} WHERE {mine}status = %s
            """,
            [Tab.MARKETPLACE.value, Tab.QUALIFIED.value, user.pk, *newest_params, *mine_params, Status.RECEIVED.value],
        )
        *counts, newest_at = cursor.fetchone()
    if isinstance(newest_at, str):  # SQLite (make run) hands the column's text back from a hand-written statement
        newest_at = Lead._meta.get_field("received_at").to_python(newest_at)
        newest_at = timezone.make_aware(newest_at, UTC) if timezone.is_naive(newest_at) else newest_at
    return dict(zip(ListTab.values, counts)), newest_at


def lead_tab_fingerprint(user, tab: str) -> tuple[str, dict[str, int], object]:
    """(fingerprint, waiting counts, newest received_at), in one statement: the fingerprint changes when a lead
    arrives in the tab or any tab's waiting count moves. The list page takes its tab counts from here too."""
    counts, newest = _counts_and_newest(user, tab)
    raw = f"{newest.isoformat() if newest else '-'}|{'|'.join(str(counts[name]) for name in ListTab.values)}"
    return hashlib.blake2s(raw.encode(), digest_size=8).hexdigest(), counts, newest


# The cache's shortcut for an unchanged tab (the poll's usual answer): each partner's leads (and all leads, for vendor
# ops staff) and each user's hearts carry a mark in the cache that leads.services.live replaces on every change; a
# fingerprint computed while the marks were M is remembered with M, and as long as the marks are still M it is still
# the tab's fingerprint, so the poll answers without asking the database.
MARK_PREFIX = "leads-live"
ALL_MARK = f"{MARK_PREFIX}:all"
REMEMBER_SECONDS = 120  # a safety net only: a change made behind the ORM's back shows within this


def partner_mark(partner_id) -> str:
    return f"{MARK_PREFIX}:partner:{partner_id}"


def user_mark(user_id) -> str:
    return f"{MARK_PREFIX}:user:{user_id}"


def _remembered_key(user, scope, tab: str) -> str:
    return f"{MARK_PREFIX}:fp:{user.pk}:{'all' if scope is ALL_PARTNERS else scope}:{tab}"


def lead_tab_marks(user, tab: str, fingerprint: str | None) -> tuple[bool, tuple]:
    """(whether `fingerprint` is the tab's current one, going by the cache alone; the marks now), one round trip.
    Read the marks before the database: a fingerprint is remembered with the marks read before it was computed."""
    remembered, marks = _remembered(user, tab)
    return fingerprint is not None and remembered is not None and remembered[0] == fingerprint, marks


def lead_tab_remember(user, tab: str, state: tuple[str, dict[str, int], object], marks: tuple) -> None:
    """Remember a tab's `state` (lead_tab_fingerprint's) as computed under `marks` (lead_tab_marks's, read before
    the database was asked)."""
    if marks:
        fingerprint, counts, newest = state
        cache.set(
            _remembered_key(user, partner_scope(user), tab),
            (*marks, fingerprint, [counts[name] for name in ListTab.values], newest),
            REMEMBER_SECONDS,
        )


def lead_tab_state(user, tab: str) -> tuple[str, dict[str, int], object]:
    """lead_tab_fingerprint(user, tab), from the cache while the marks say nothing changed since it was computed (the
    list page opened between two polls, or again), else from the database, and then remembered."""
    remembered, marks = _remembered(user, tab)
    if remembered is not None:
        fingerprint, counts, newest = remembered
        return fingerprint, dict(zip(ListTab.values, counts)), newest
    state = lead_tab_fingerprint(user, tab)
    lead_tab_remember(user, tab, state, marks)
    return state


def _remembered(user, tab: str) -> tuple[tuple | None, tuple]:
    """(the tab's remembered (fingerprint, counts, newest) if it was computed under the marks there are now, else
    None; the marks now), in one round trip to the cache."""
    scope = partner_scope(user)
    if scope is None:
        return None, ()
    marks = (ALL_MARK if scope is ALL_PARTNERS else partner_mark(scope), user_mark(user.pk))
    key = _remembered_key(user, scope, tab)
    found = cache.get_many([key, *marks])
    now = tuple(found.get(mark) for mark in marks)
    remembered = found.get(key)
    if remembered is None or tuple(remembered[: len(marks)]) != now:
        return None, now
    return tuple(remembered[len(marks) :]), now
