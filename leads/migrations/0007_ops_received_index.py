"""Every partner's leads newest first, for vendor ops staff: the admin's list no longer sorts a million rows."""
from django.db import migrations, models

from leads.migration_operations import AddIndexConcurrentlyWherePossible


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ('leads', '0006_follow_up_alerts'),
    ]

    operations = [
        AddIndexConcurrentlyWherePossible(
            model_name='lead',
            index=models.Index(fields=['-received_at', '-id'], name='lead_received_idx'),
        ),
    ]
