"""Every partner's leads newest first, for vendor ops staff: the admin's list no longer sorts a million rows."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0006_follow_up_alerts'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(fields=['-received_at', '-id'], name='lead_received_idx'),
        ),
    ]
