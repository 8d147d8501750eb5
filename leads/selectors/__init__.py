"""Every read of leads, each through the tenant gate (leads.tenancy); import them from here."""

from leads.selectors.counts import lead_waiting_counts
from leads.selectors.filters import STATUS_FILTERS, ListFilters
from leads.selectors.leads import (
    SORTS,
    lead_get_for,
    lead_history,
    lead_list_for,
    lead_queryset_for,
    lead_search_matches,
    parse_lead_id,
    with_favorite_flag,
)

__all__ = [
    "SORTS",
    "STATUS_FILTERS",
    "ListFilters",
    "lead_get_for",
    "lead_history",
    "lead_list_for",
    "lead_queryset_for",
    "lead_search_matches",
    "lead_waiting_counts",
    "parse_lead_id",
    "with_favorite_flag",
]
