"""Every write to leads, one module per kind of write (as pretix's base/services); import them from here."""

from leads.services.bulk import BulkOutcome, Step, lead_bulk_item, leads_bulk_run
from leads.services.deals import DEAL_FIELDS, lead_add_team_member, lead_remove_team_member, lead_update_deal
from leads.services.favourites import lead_favorite_set
from leads.services.intake import lead_create, lead_create_inquiry
from leads.services.jobs import leads_cool_hot, leads_expire_overdue
from leads.services.lifecycle import lead_accept, lead_decline, lead_lose, lead_win
from leads.services.response_times import profile_refresh_response_time, profiles_refresh_response_times
from leads.services.routing import lead_reroute, routing_learn
from leads.services.search_index import leads_search_index, leads_search_refresh

__all__ = [
    "DEAL_FIELDS",
    "lead_accept",
    "lead_add_team_member",
    "lead_create",
    "lead_create_inquiry",
    "lead_decline",
    "lead_favorite_set",
    "lead_lose",
    "lead_remove_team_member",
    "lead_reroute",
    "routing_learn",
    "lead_update_deal",
    "lead_win",
    "leads_cool_hot",
    "leads_expire_overdue",
    "leads_search_index",
    "leads_search_refresh",
    "profile_refresh_response_time",
    "profiles_refresh_response_times",
    "BulkOutcome",
    "Step",
    "lead_bulk_item",
    "leads_bulk_run",
]
