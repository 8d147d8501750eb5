"""One sanctioned way through the append-only rule, for erasing personal data (the privacy app), and the index its
nightly retention job walks.

The triggers of 0002 refuse any change to history events and archived leads. They now let an UPDATE through when
the transaction has set `leadhub.erasure` to 'on' (SET LOCAL: it ends with the transaction), and then only an
UPDATE that changes nothing but personal data: a lead's need, notes and reason notes; an event's `changes` (a
lead's generated `tab` is left out of the comparison: a BEFORE trigger sees it before it is computed).
Status, dates, values and who-did-what stay as they are, and deleting stays refused whatever the setting.
Only privacy.erasure sets it (privacy.erasure.sanctioned_erasure).
"""
from django.db import migrations, models

from leads.migration_operations import RunSQLOnPostgreSQL

FORWARD = """
CREATE OR REPLACE FUNCTION leadhub_refuse_history_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('leadhub.erasure', true) = 'on'
       AND (to_jsonb(NEW) - 'changes') = (to_jsonb(OLD) - 'changes') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'History events cannot be changed or deleted.' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION leadhub_refuse_archived_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('leadhub.erasure', true) = 'on'
       AND (to_jsonb(NEW) - ARRAY['need', 'notes', 'reason_notes', 'tab'])
           = (to_jsonb(OLD) - ARRAY['need', 'notes', 'reason_notes', 'tab']) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'Lead % is % (archived) and can no longer change.', OLD.id, OLD.status
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""

BACKWARD = """
CREATE OR REPLACE FUNCTION leadhub_refuse_history_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'History events cannot be changed or deleted.' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION leadhub_refuse_archived_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Lead % is % (archived) and can no longer change.', OLD.id, OLD.status
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""

# The retention job's candidates, oldest archiving first: archived leads whose personal data is still there (an
# anonymised lead's need is empty, which no lead otherwise has), so the index shrinks as the job works.
CREATE_INDEX = """
CREATE INDEX CONCURRENTLY IF NOT EXISTS lead_retention_idx ON leads_lead (updated_at)
WHERE status IN ('won', 'lost', 'declined', 'expired') AND need <> ''
"""
DROP_INDEX = "DROP INDEX CONCURRENTLY IF EXISTS lead_retention_idx"


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("leads", "0009_lead_search"),
    ]

    operations = [
        migrations.AlterField(
            model_name="leadevent",
            name="action",
            field=models.CharField(choices=[
                ("create", "Created"), ("accept", "Accepted"), ("decline", "Declined"), ("expire", "Expired"),
                ("edit", "Deal edited"), ("team", "Team member added"), ("win", "Marked won"), ("lose", "Marked lost"),
                ("note", "Customer wrote again"), ("erase", "Personal data erased"),
            ], max_length=10),
        ),
        RunSQLOnPostgreSQL(FORWARD, reverse_sql=BACKWARD),
        RunSQLOnPostgreSQL(CREATE_INDEX, reverse_sql=DROP_INDEX),
    ]
