"""An index for the "highest deal value" order, so that list is as quick for 200,000 leads as for 200."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0004_scale_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(models.F('partner'), models.F('tab'), models.OrderBy(models.F('deal_value'), descending=True, nulls_last=True), models.OrderBy(models.F('received_at'), descending=True), models.OrderBy(models.F('id'), descending=True), name='lead_tab_deal_value_idx'),
        ),
    ]
