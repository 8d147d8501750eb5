"""seed_bulk outside any transaction, as `make bench` and `make loadtest` run it: the search rows load on a
connection of their own beside the rest, and both commit or neither does."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from leads.management.bulk_writers import LeadWriter
from leads.models import Customer, Lead, LeadSearch, search_text

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_lead_has_its_search_row_and_the_search_index_is_back():
    call_command("seed_bulk", leads=3000, partners=5, stdout=io.StringIO())
    assert Lead.objects.count() == LeadSearch.objects.count() == 3000
    lead = Lead.objects.select_related("customer").order_by("received_at").first()
    assert LeadSearch.objects.get(lead=lead).text.startswith(search_text(lead.customer.company)[:10])
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [LeadSearch._meta.db_table])
        assert "lead_search_trgm_idx" in {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in trans%%'"
        )
        assert cursor.fetchone()[0] == 0  # the second connection's transaction has ended (no locks held)


def test_a_load_that_fails_midway_leaves_neither_connection_s_rows(monkeypatch):
    call_command("seed_bulk", leads=500, partners=2, stdout=io.StringIO())
    customers = Customer.objects.count()
    original, added = LeadWriter.add, []

    def add_then_fail(self, **kwargs):
        if len(added) == 30_000:  # past the first chunks, which both connections have sent by then
            raise RuntimeError("disk full")
        added.append(1)
        return original(self, **kwargs)

    monkeypatch.setattr(LeadWriter, "add", add_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        call_command("seed_bulk", leads=40_000, partners=2, prefix="again", seed=7, stdout=io.StringIO())
    assert Lead.objects.count() == LeadSearch.objects.count() == 500
    assert Customer.objects.count() == customers
