"""Leads lose their customer_id index: nothing reads leads by customer, and every lead write paid for it."""
import django.db.models.deletion
from django.db import migrations, models

INDEX = "leads_lead_customer_id_8986af08"


def forward(apps, schema_editor):
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f'DROP INDEX{concurrently} IF EXISTS "{INDEX}"')


def backward(apps, schema_editor):
    concurrently = " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f'CREATE INDEX{concurrently} IF NOT EXISTS "{INDEX}" ON "leads_lead" ("customer_id")')


class Migration(migrations.Migration):
    # DROP INDEX CONCURRENTLY (writes go on meanwhile) cannot run inside a transaction.
    atomic = False

    dependencies = [
        ('leads', '0007_ops_received_index'),
    ]

    operations = [
        # Only the index goes: altering the field the default way would also drop and re-validate the foreign
        # key, a full scan of a million-row table under lock.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='lead',
                    name='customer',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='leads', to='leads.customer'),
                ),
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        ),
    ]
