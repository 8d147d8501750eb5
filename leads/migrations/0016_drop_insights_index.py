"""lead_insights_idx (0012) goes: since the daily rollups (insights 0001) the insights read no lead, and the rollup
refresh reads a partner's day of leads through lead_received_idx at about the same cost. Every write that changes a
lead's status wrote an entry into it (the widest index of the table): the expiry job's batches among them.

PostgreSQL only, like 0012; the reverse builds it again.
"""
from django.db import migrations

from leads.migration_operations import RunSQLOnPostgreSQL

DROP = "DROP INDEX CONCURRENTLY IF EXISTS lead_insights_idx"
CREATE = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS lead_insights_idx
    ON leads_lead (partner_id, received_at) INCLUDE (status, lead_type, decided_at, currency, deal_value, reason)
"""


class Migration(migrations.Migration):
    # DROP INDEX CONCURRENTLY (reads and writes go on meanwhile) cannot run inside a transaction.
    atomic = False

    dependencies = [
        ('leads', '0015_erasure_deal_fields'),
    ]

    operations = [RunSQLOnPostgreSQL(DROP, reverse_sql=CREATE)]
