"""Indexes for a million leads: the waiting-count index, partial FK indexes, and no redundant FK indexes."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (index, table, column) of the foreign-key indexes Django made in 0001 that the indexes below make redundant.
DROPPED_FK_INDEXES = [
    ("leads_lead_partner_id_0fa90f5e", "leads_lead", "partner_id"),
    ("leads_lead_referred_by_id_9c998087", "leads_lead", "referred_by_id"),
    ("leads_lead_referring_partner_id_a7e5c2f6", "leads_lead", "referring_partner_id"),
    ("leads_leadevent_actor_id_05bf3969", "leads_leadevent", "actor_id"),
    ("leads_leadevent_lead_id_426caf75", "leads_leadevent", "lead_id"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0003_email_delivery'),
        ('profiles', '0002_apitoken'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Only the single-column FK indexes go: altering the fields the default way would also drop and re-validate
        # each foreign key, a full scan of a million-row table under lock.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='lead',
                    name='partner',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='leads', to='profiles.organisation'),
                ),
                migrations.AlterField(
                    model_name='lead',
                    name='referred_by',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='lead',
                    name='referring_partner',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='profiles.organisation'),
                ),
                migrations.AlterField(
                    model_name='leadevent',
                    name='actor',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AlterField(
                    model_name='leadevent',
                    name='lead',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='leads.lead'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name, _table, _column in DROPPED_FK_INDEXES],
                    reverse_sql=[f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")'
                                 for name, table, column in DROPPED_FK_INDEXES],
                ),
            ],
        ),
        migrations.RemoveIndex(model_name='lead', name='lead_hot_idx'),
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(condition=models.Q(('is_hot', True), ('status__in', ['received', 'accepted'])), fields=['received_at'], name='lead_hot_idx'),
        ),
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(condition=models.Q(('status', 'received')), fields=['partner', 'tab', '-received_at', '-id'], name='lead_waiting_idx'),
        ),
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(condition=models.Q(('referred_by__isnull', False)), fields=['referred_by'], name='lead_referred_by_idx'),
        ),
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(condition=models.Q(('referring_partner__isnull', False)), fields=['referring_partner'], name='lead_referring_partner_idx'),
        ),
        migrations.AddIndex(
            model_name='leadevent',
            index=models.Index(condition=models.Q(('actor__isnull', False)), fields=['actor'], name='event_actor_idx'),
        ),
    ]
