"""The search rows (LeadSearch): written from the fields in memory whenever a searched field changes."""

from collections.abc import Iterable
from operator import attrgetter

from leads.models import SEARCHED_FIELDS, Lead, LeadSearch, search_text

# The searched fields that are the lead's own (the others are its customer's).
SEARCHED_LEAD_FIELDS = frozenset(field for field in SEARCHED_FIELDS if "__" not in field)
_searched_values = attrgetter(*(field.replace("__", ".") for field in SEARCHED_FIELDS))


def leads_search_index(leads: Iterable[Lead]) -> None:
    """Write what a search finds these leads by, from the fields in memory (customers loaded, or fetched one by
    one), in one statement. Whatever writes a searched field must call this or `leads_search_refresh`."""
    LeadSearch.objects.bulk_create(
        [LeadSearch(lead_id=lead.pk, text=search_text(*_searched_values(lead))) for lead in leads],
        update_conflicts=True,
        unique_fields=["lead"],
        update_fields=["text"],
    )


def leads_search_refresh(lead_ids: Iterable) -> int:
    """Rewrite the search rows of these leads from their current fields, e.g. after their customer changed."""
    leads = list(Lead.objects.filter(pk__in=list(lead_ids)).select_related("customer"))
    if leads:
        leads_search_index(leads)
    return len(leads)
