"""The record of e-mails sent about leads, unique per (kind, lead, recipient) so none is sent twice."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0002_immutability_triggers'),
    ]

    operations = [
        migrations.CreateModel(
            name='EmailDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('new_lead', 'New lead alert to the partner'), ('decline', 'Declined: the customer may choose another partner'), ('expire', 'Expired: the referrer is told')], max_length=10)),
                ('recipient', models.EmailField(max_length=254)),
                ('language', models.CharField(max_length=8)),
                ('subject', models.CharField(max_length=255)),
                ('sent_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('lead', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='email_deliveries', to='leads.lead')),
            ],
            options={
                'verbose_name_plural': 'e-mail deliveries',
                'ordering': ['-sent_at', '-id'],
                'constraints': [models.UniqueConstraint(fields=('kind', 'lead', 'recipient'), name='email_delivery_once')],
            },
        ),
    ]
