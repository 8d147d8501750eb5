"""On PostgreSQL the database itself refuses to change history events or archived leads, whatever path a write takes."""
from django.db import migrations

FORWARD = """
CREATE FUNCTION leadhub_refuse_history_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'History events cannot be changed or deleted.' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER leadevent_append_only
    BEFORE UPDATE OR DELETE ON leads_leadevent
    FOR EACH ROW EXECUTE FUNCTION leadhub_refuse_history_change();

CREATE FUNCTION leadhub_refuse_archived_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Lead % is % (archived) and can no longer change.', OLD.id, OLD.status
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER lead_archived_read_only
    BEFORE UPDATE OR DELETE ON leads_lead
    FOR EACH ROW WHEN (OLD.status IN ('won', 'lost', 'declined', 'expired'))
    EXECUTE FUNCTION leadhub_refuse_archived_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS lead_archived_read_only ON leads_lead;
DROP FUNCTION IF EXISTS leadhub_refuse_archived_change();
DROP TRIGGER IF EXISTS leadevent_append_only ON leads_leadevent;
DROP FUNCTION IF EXISTS leadhub_refuse_history_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
