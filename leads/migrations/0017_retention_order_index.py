"""The retention job's index keeps the leads it has anonymised (privacy app), so that anonymising one writes no index.

0011's lead_retention_idx held the archived leads whose need was not empty, and a lead left it when the job blanked
its need. But a row whose update changes a column that any index names, even only in its predicate, cannot be
updated in place (a heap-only tuple): PostgreSQL then writes a new entry for it in every index of leads_lead whose
predicate it meets, five to eight of them, which was about a third of what anonymising a lead cost. The new index names
only the status (an archived lead's never changes) and is ordered by (updated_at, id), which an archived lead never
changes either; the job walks it from a mark of its own (privacy.RetentionMark) instead of from its start.

Both indexes are built and dropped CONCURRENTLY, so a table of millions of leads keeps taking writes meanwhile.
"""
from django.db import migrations

from leads.migration_operations import RunSQLOnPostgreSQL

ARCHIVED = "('won', 'lost', 'declined', 'expired')"
CREATE_INDEX = f"""
CREATE INDEX CONCURRENTLY IF NOT EXISTS lead_retention_order_idx ON leads_lead (updated_at, id)
WHERE status IN {ARCHIVED}
"""
DROP_INDEX = "DROP INDEX CONCURRENTLY IF EXISTS lead_retention_order_idx"
CREATE_OLD_INDEX = f"""
CREATE INDEX CONCURRENTLY IF NOT EXISTS lead_retention_idx ON leads_lead (updated_at)
WHERE status IN {ARCHIVED} AND need <> ''
"""
DROP_OLD_INDEX = "DROP INDEX CONCURRENTLY IF EXISTS lead_retention_idx"


class Migration(migrations.Migration):
    # CREATE and DROP INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("leads", "0016_drop_insights_index"),
    ]

    operations = [
        RunSQLOnPostgreSQL(CREATE_INDEX, reverse_sql=DROP_INDEX),
        RunSQLOnPostgreSQL(DROP_OLD_INDEX, reverse_sql=CREATE_OLD_INDEX),
    ]
