"""One sanctioned way through the append-only rule, for erasing personal data (the privacy app), and the index its
nightly retention job walks.

The triggers of 0002 refuse any change to history events and archived leads. They now let an UPDATE through when
the transaction has set `leadhub.erasure` to 'on' (SET LOCAL: it ends with the transaction), and then only an
UPDATE that changes nothing but personal data: a lead's need, notes and reason notes; an event's `changes`.
Status, dates, values and who-did-what stay as they are, and deleting stays refused whatever the setting.
Only privacy.erasure sets it (privacy.erasure.sanctioned_erasure).
"""
from django.db import migrations, models

from leads.migration_operations import RunSQLOnPostgreSQL

# Every column of a lead but its personal ones (need, notes, reason_notes) and the generated `tab` (derived from
# lead_type; a BEFORE trigger sees it before it is computed). tests/privacy/test_erasure.py checks that this
# list names every other field of the model, so a new column is protected too.
LEAD_KEPT = ("id", "partner_id", "lead_type", "customer_id", "referred_by_id", "referring_partner_id",
             "referred_by_email", "received_at", "respond_by", "contact_requested", "is_hot", "status", "decided_at",
             "deal_name", "deal_value", "currency", "estimated_close_date", "crm_id", "campaign_id", "reason",
             "version", "created_at", "updated_at", "routed_from_id", "match_reasons")
EVENT_KEPT = ("id", "lead_id", "at", "actor_id", "action", "from_status", "to_status")
ARCHIVED = "('won', 'lost', 'declined', 'expired')"
ERASING = "coalesce(current_setting('leadhub.erasure', true), '') = 'on'"


def _same(columns) -> str:
    return (f"ROW({', '.join(f'NEW.{column}' for column in columns)}) IS NOT DISTINCT FROM "
            f"ROW({', '.join(f'OLD.{column}' for column in columns)})")


# The conditions sit in the triggers' WHEN clauses, which the executor checks without calling a function: the
# retention job's rows cost no PL/pgSQL call each. The functions of 0002 stay as they were (they only refuse).
FORWARD = f"""
DROP TRIGGER lead_archived_read_only ON leads_lead;
CREATE TRIGGER lead_archived_read_only
    BEFORE UPDATE ON leads_lead
    FOR EACH ROW WHEN (OLD.status IN {ARCHIVED} AND NOT ({ERASING} AND {_same(LEAD_KEPT)}))
    EXECUTE FUNCTION leadhub_refuse_archived_change();
CREATE TRIGGER lead_archived_not_deleted
    BEFORE DELETE ON leads_lead
    FOR EACH ROW WHEN (OLD.status IN {ARCHIVED})
    EXECUTE FUNCTION leadhub_refuse_archived_change();

DROP TRIGGER leadevent_append_only ON leads_leadevent;
CREATE TRIGGER leadevent_append_only
    BEFORE UPDATE ON leads_leadevent
    FOR EACH ROW WHEN (NOT ({ERASING} AND {_same(EVENT_KEPT)}))
    EXECUTE FUNCTION leadhub_refuse_history_change();
CREATE TRIGGER leadevent_not_deleted
    BEFORE DELETE ON leads_leadevent
    FOR EACH ROW EXECUTE FUNCTION leadhub_refuse_history_change();
"""

BACKWARD = f"""
DROP TRIGGER leadevent_not_deleted ON leads_leadevent;
DROP TRIGGER leadevent_append_only ON leads_leadevent;
CREATE TRIGGER leadevent_append_only
    BEFORE UPDATE OR DELETE ON leads_leadevent
    FOR EACH ROW EXECUTE FUNCTION leadhub_refuse_history_change();
DROP TRIGGER lead_archived_not_deleted ON leads_lead;
DROP TRIGGER lead_archived_read_only ON leads_lead;
CREATE TRIGGER lead_archived_read_only
    BEFORE UPDATE OR DELETE ON leads_lead
    FOR EACH ROW WHEN (OLD.status IN {ARCHIVED})
    EXECUTE FUNCTION leadhub_refuse_archived_change();
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
        ("leads", "0010_routing"),
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
