"""An index for the "highest deal value" order, so that list is as quick for 200,000 leads as for 200.

PostgreSQL only, and unknown to the model's state: SQLite (the development database) cannot index NULLS LAST,
and Django would try to whenever it rebuilt the table there.
"""
from django.db import migrations

from leads.migration_operations import RunSQLOnPostgreSQL

CREATE = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS lead_tab_deal_value_idx
    ON leads_lead (partner_id, tab, deal_value DESC NULLS LAST, received_at DESC, id DESC)
"""
DROP = "DROP INDEX CONCURRENTLY IF EXISTS lead_tab_deal_value_idx"


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY (writes go on while it builds) cannot run inside a transaction.
    atomic = False

    dependencies = [
        ('leads', '0004_scale_indexes'),
    ]

    operations = [RunSQLOnPostgreSQL(CREATE, reverse_sql=DROP)]
