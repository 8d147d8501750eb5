"""The leads app's models, one module per kind of record; import them from here."""

from leads.models.choices import (
    ARCHIVED_STATUSES,
    STAGE_STATUSES,
    DeclineReason,
    EmailKind,
    EventAction,
    LeadType,
    ListTab,
    LostReason,
    Stage,
    Status,
    Tab,
)
from leads.models.email import EmailDelivery
from leads.models.history import HistoryIsImmutable, LeadEvent
from leads.models.lead import Customer, Favorite, Lead, LeadArchived, TeamMember, hot_state
from leads.models.search import SEARCHED_FIELDS, LeadSearch, search_text

__all__ = [
    "ARCHIVED_STATUSES",
    "STAGE_STATUSES",
    "Customer",
    "DeclineReason",
    "EmailDelivery",
    "EmailKind",
    "EventAction",
    "Favorite",
    "HistoryIsImmutable",
    "Lead",
    "LeadArchived",
    "LeadEvent",
    "LeadSearch",
    "LeadType",
    "ListTab",
    "LostReason",
    "SEARCHED_FIELDS",
    "Stage",
    "Status",
    "Tab",
    "TeamMember",
    "hot_state",
    "search_text",
]
