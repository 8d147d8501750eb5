"""The search rows: what a lead list's search box finds a lead by, under a trigram index."""

from django.db import models

from leads.models.lead import Lead

# What the search box of a lead list looks in, in this order; a search matches when it is part of one of them.
SEARCHED_FIELDS = ("customer__company", "customer__contact_name", "customer__email", "need", "deal_name", "crm_id")


def search_text(*values: str) -> str:
    """The searched fields' values as LeadSearch stores them: lower case, one per line (no search spans two)."""
    return "\n".join(value.lower() for value in values if value)


class LeadSearch(models.Model):
    """One row per lead holding what a search looks in, under a trigram index (PostgreSQL, migration 0009).

    A table of its own rather than a column of the lead: status changes (the expiry job updates thousands of
    leads a second) then never rewrite the trigram index, and one index covers fields of two tables. Written by
    the services whenever a searched field changes (`leads.services.leads_search_index`,
    `leads.services.leads_search_refresh`).
    """

    lead = models.OneToOneField(Lead, on_delete=models.CASCADE, primary_key=True, related_name="search")
    text = models.TextField()

    def __str__(self) -> str:
        return f"search of {self.lead_id}"
