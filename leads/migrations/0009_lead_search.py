"""LeadSearch: what the lead lists' search looks in, one row per lead, under a trigram index on PostgreSQL.

The rows of existing leads are filled here. On PostgreSQL the index is made CONCURRENTLY (lead writes go on) and
needs the pg_trgm extension, which a database owner may create (it is a trusted extension); it is unknown to
the model's state, since SQLite (the development database) has no trigram indexes.
"""
import django.db.models.deletion
from django.db import migrations, models

from leads.migration_operations import RunSQLOnPostgreSQL

FILL_POSTGRESQL = r"""
INSERT INTO leads_leadsearch (lead_id, text)
SELECT lead.id,
       lower(concat_ws(E'\n', NULLIF(customer.company, ''), NULLIF(customer.contact_name, ''),
                       NULLIF(customer.email, ''), NULLIF(lead.need, ''), NULLIF(lead.deal_name, ''),
                       NULLIF(lead.crm_id, '')))
FROM leads_lead lead JOIN leads_customer customer ON customer.id = lead.customer_id
ON CONFLICT (lead_id) DO NOTHING
"""
CREATE_INDEX = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS lead_search_trgm_idx ON leads_leadsearch USING gin (text gin_trgm_ops)
"""
DROP_INDEX = "DROP INDEX CONCURRENTLY IF EXISTS lead_search_trgm_idx"
BATCH = 2000


def fill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL_POSTGRESQL)
        return
    # Elsewhere (SQLite) in Python, as the services write them: lower case, one field per line.
    Lead, LeadSearch = apps.get_model("leads", "Lead"), apps.get_model("leads", "LeadSearch")
    fields = ("customer__company", "customer__contact_name", "customer__email", "need", "deal_name", "crm_id")
    rows = Lead.objects.filter(search__isnull=True).values_list("id", *fields).order_by("id")
    batch = []
    for lead_id, *values in rows.iterator(chunk_size=BATCH):
        text = "\n".join(value.lower() for value in values if value)
        batch.append(LeadSearch(lead_id=lead_id, text=text))
        if len(batch) >= BATCH:
            LeadSearch.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    LeadSearch.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("leads", "0008_drop_customer_fk_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="LeadSearch",
            fields=[
                ("lead", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                                              related_name="search", serialize=False, to="leads.lead")),
                ("text", models.TextField()),
            ],
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        RunSQLOnPostgreSQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        RunSQLOnPostgreSQL(CREATE_INDEX, reverse_sql=DROP_INDEX),
    ]
