"""What a list tab's live refresh compares (DESIGN §11): a fingerprint of the newest lead and the waiting counts.

The open tab asks every 20 s; when nothing changed the answer is empty, so the poll is one statement: the tab
counts over the waiting index and, in the same round trip, the newest lead of the tab (its list index's first
entry). The list page takes its tab counts from the same statement, so the probe costs it no extra round trip.
"""

import hashlib

from django.db import connection

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
    return dict(zip(ListTab.values, counts)), newest_at


def lead_tab_fingerprint(user, tab: str) -> tuple[str, dict[str, int], object]:
    """(fingerprint, waiting counts, newest received_at), in one statement: the fingerprint changes when a lead
    arrives in the tab or any tab's waiting count moves. The list page takes its tab counts from here too."""
    counts, newest = _counts_and_newest(user, tab)
    raw = f"{newest.isoformat() if newest else '-'}|{'|'.join(str(counts[name]) for name in ListTab.values)}"
    return hashlib.blake2s(raw.encode(), digest_size=8).hexdigest(), counts, newest
