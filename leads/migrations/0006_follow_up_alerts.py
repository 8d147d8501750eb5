"""Follow-up alerts: a customer writing again about an open lead tells the partner, once per follow-up."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0005_deal_value_index'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='emaildelivery',
            name='email_delivery_once',
        ),
        migrations.AddField(
            model_name='emaildelivery',
            name='event',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='email_deliveries', to='leads.leadevent'),
        ),
        migrations.AlterField(
            model_name='emaildelivery',
            name='kind',
            field=models.CharField(choices=[('new_lead', 'New lead alert to the partner'), ('follow_up', 'Follow-up alert: the customer wrote again'), ('decline', 'Declined: the customer may choose another partner'), ('expire', 'Expired: the referrer is told')], max_length=10),
        ),
        migrations.AddConstraint(
            model_name='emaildelivery',
            constraint=models.UniqueConstraint(condition=models.Q(('event__isnull', True)), fields=('kind', 'lead', 'recipient'), name='email_delivery_once'),
        ),
        migrations.AddConstraint(
            model_name='emaildelivery',
            constraint=models.UniqueConstraint(condition=models.Q(('event__isnull', False)), fields=('kind', 'event', 'recipient'), name='email_delivery_once_per_event'),
        ),
    ]
