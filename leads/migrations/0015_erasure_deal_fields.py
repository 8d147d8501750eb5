"""Erasure reaches a deal's name, CRM id and campaign id (privacy app): the sanctioned path of 0011 may change them too.

A deal name is free text that usually names the customer or their company ("Novák – office move"); a CRM id is the
partner's key to the person's record in its CRM, so kept it would tie an erased lead back to them: both are
personal data, which retention and erasure blank. A campaign id names the partner's campaign, not the person; it
is blanked only when it mentions the person (an erasure's needles), so the trigger must let it change as well.
Everything else of an archived lead stays refused, as in 0011.
"""
from django.db import migrations

from leads.migration_operations import RunSQLOnPostgreSQL

# Every column of a lead but its personal ones (need, notes, reason_notes, deal_name, crm_id, campaign_id) and
# the generated `tab`. tests/privacy/test_erasure.py checks that this list names every other field of the model.
LEAD_KEPT = ("id", "partner_id", "lead_type", "customer_id", "referred_by_id", "referring_partner_id",
             "referred_by_email", "received_at", "respond_by", "contact_requested", "is_hot", "status", "decided_at",
             "deal_value", "currency", "estimated_close_date", "reason", "version", "created_at", "updated_at",
             "routed_from_id", "match_reasons")
PREVIOUS_KEPT = (*LEAD_KEPT, "deal_name", "crm_id", "campaign_id")
ARCHIVED = "('won', 'lost', 'declined', 'expired')"
ERASING = "coalesce(current_setting('leadhub.erasure', true), '') = 'on'"


def _trigger(kept) -> str:
    same = (f"ROW({', '.join(f'NEW.{column}' for column in kept)}) IS NOT DISTINCT FROM "
            f"ROW({', '.join(f'OLD.{column}' for column in kept)})")
    return f"""
DROP TRIGGER lead_archived_read_only ON leads_lead;
CREATE TRIGGER lead_archived_read_only
    BEFORE UPDATE ON leads_lead
    FOR EACH ROW WHEN (OLD.status IN {ARCHIVED} AND NOT ({ERASING} AND {same}))
    EXECUTE FUNCTION leadhub_refuse_archived_change();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0014_team_out_event"),
    ]

    operations = [
        RunSQLOnPostgreSQL(_trigger(LEAD_KEPT), reverse_sql=_trigger(PREVIOUS_KEPT)),
    ]
