"""What a list tab's live refresh compares (DESIGN §11): a fingerprint of the newest lead and the waiting counts.

The open tab asks every 20 s; when nothing changed the answer is empty, so this must stay two index probes: the
newest lead of the tab (the tab's list index, first entry) and the tab counts (the waiting index).
"""
import hashlib

from django.db.models import Max

from leads.models import ListTab
from leads.selectors.counts import lead_waiting_counts
from leads.selectors.leads import lead_queryset_for


def lead_tab_newest(user, tab: str):
    """When the newest lead of the tab (that the user may see) arrived; None for an empty tab."""
    leads = lead_queryset_for(user)
    leads = leads.filter(favorites__user_id=user.pk) if tab == ListTab.FAVORITES else leads.filter(tab=tab)
    return leads.aggregate(newest=Max("received_at"))["newest"]


def lead_tab_fingerprint(user, tab: str, counts: dict | None = None) -> tuple[str, dict[str, int], object]:
    """(fingerprint, waiting counts, newest received_at): the fingerprint changes when a lead arrives in the tab or
    any tab's waiting count moves. `counts`: lead_waiting_counts(user), when the caller has them already."""
    counts = lead_waiting_counts(user) if counts is None else counts
    newest = lead_tab_newest(user, tab)
    raw = f"{newest.isoformat() if newest else '-'}|{'|'.join(str(counts[name]) for name in ListTab.values)}"
    return hashlib.blake2s(raw.encode(), digest_size=8).hexdigest(), counts, newest
