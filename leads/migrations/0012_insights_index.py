"""A covering index for insights (DESIGN §8): each partner's leads by received_at, with every column the figures
read, so a partner's year of leads is an index-only scan instead of a visit to each lead's row.

PostgreSQL only (INCLUDE), and unknown to the model's state like 0005: SQLite, the development database, has no
covering indexes and needs none at its size.
"""
from django.db import migrations

from leads.migration_operations import RunSQLOnPostgreSQL

CREATE = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS lead_insights_idx
    ON leads_lead (partner_id, received_at) INCLUDE (status, lead_type, decided_at, currency, deal_value, reason)
"""
DROP = "DROP INDEX CONCURRENTLY IF EXISTS lead_insights_idx"


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY (writes go on while it builds) cannot run inside a transaction.
    atomic = False

    dependencies = [
        ('leads', '0011_sanctioned_erasure'),
    ]

    operations = [RunSQLOnPostgreSQL(CREATE, reverse_sql=DROP)]
