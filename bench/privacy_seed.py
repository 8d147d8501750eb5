"""The privacy bench's data: old archived leads with personal data everywhere the retention job blanks it."""

import random
from datetime import timedelta


def seed(count: int, *, webhooks: bool = True):
    """`count` archived leads of one partner, archived 760-900 days ago, with personal data everywhere: the
    customer, need, notes, team, history, the decline e-mail, and (`webhooks`) the webhook of the lead's last
    change with the CRM's answer to it."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from leads.management.bulk_writers import LeadWriter, sync_identity
    from leads.management.commands.seed_bulk import bulk_load_session, create_partner, vendor_referrers
    from leads.models import Customer

    rng = random.Random(11)
    now = timezone.now()
    password_hash = make_password(None)
    with transaction.atomic():
        organisation, users = create_partner("retention", "Retention Partner", users=2, password_hash=password_hash)
        referrers = vendor_referrers(password_hash)
        with connection.cursor() as cursor, bulk_load_session(cursor):
            writer = LeadWriter(cursor, rng, now - timedelta(days=760))
            for _ in range(count):
                received_at = now - timedelta(days=900, seconds=-rng.randint(0, 40 * 24 * 3600))
                writer.add(
                    partner_id=organisation.pk,
                    received_at=received_at,
                    status=rng.choice(["won", "lost", "declined", "expired"]),
                    referrers=referrers,
                    partner_users=users,
                )
            writer.close()
            sync_identity(cursor, Customer._meta.db_table)
            # What LeadWriter leaves out: notes, team members, a follow-up's contact, the decline e-mail.
            cursor.execute(
                """
                UPDATE leads_lead SET notes = 'Call ' || c.contact_name || ' on ' || c.phone,
                                      reason_notes = CASE WHEN status IN ('lost', 'declined')
                                                          THEN c.contact_name || ' had no budget' ELSE '' END
                FROM leads_customer c WHERE c.id = leads_lead.customer_id AND leads_lead.partner_id = %s
            """,
                [organisation.pk],
            )
            cursor.execute(
                """
                INSERT INTO leads_teammember (lead_id, name, email, phone, added_at)
                SELECT id, 'Team Mate', 'mate@retention.example', '+420 700 000 000', decided_at
                FROM leads_lead WHERE partner_id = %s AND status IN ('won', 'lost')
            """,
                [organisation.pk],
            )
            cursor.execute(
                """
                INSERT INTO leads_leadevent (lead_id, at, actor_id, action, from_status, to_status, changes)
                SELECT l.id, l.received_at + interval '1 day', NULL, 'note', 'received', 'received',
                       jsonb_build_object('need', 'Any news?', 'contact_name', c.contact_name, 'phone', c.phone,
                                          'contact_requested', true)
                FROM leads_lead l JOIN leads_customer c ON c.id = l.customer_id
                WHERE l.partner_id = %s AND l.lead_type = 'customer_inquiry'
            """,
                [organisation.pk],
            )
            cursor.execute(
                """
                INSERT INTO leads_emaildelivery (kind, lead_id, event_id, recipient, language, subject, sent_at)
                SELECT 'decline', l.id, NULL, c.email, 'en', 'Please choose another partner', l.decided_at
                FROM leads_lead l JOIN leads_customer c ON c.id = l.customer_id
                WHERE l.partner_id = %s AND l.status = 'declined'
            """,
                [organisation.pk],
            )
            if webhooks:
                webhook_deliveries(cursor, organisation.pk)
    with connection.cursor() as cursor:
        for table in (
            "webhooks_delivery",
            "webhooks_attempt",
            "leads_lead",
            "leads_customer",
            "leads_leadevent",
            "leads_teammember",
            "leads_emaildelivery",
            "leads_leadsearch",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return organisation, users


def webhook_deliveries(cursor, organisation_id: int) -> None:
    """An endpoint of the partner, and for each lead the delivery of its last change: the lead as the API showed
    it (the keys and size of webhooks.payloads.lead_json), the contact included where it was visible; and the
    attempt that delivered it, with the CRM's answer echoing the customer it was sent."""
    cursor.execute(
        """
        INSERT INTO webhooks_endpoint (url, events, is_active, paused, disabled_reason, secret_encrypted,
                                       previous_secret_encrypted, created_at, organisation_id)
        VALUES ('https://crm.retention.example/hook', '[]', true, false, '', 'x', '', now(), %s) RETURNING id
    """,
        [organisation_id],
    )
    endpoint_id = cursor.fetchone()[0]
    cursor.execute(
        """
        INSERT INTO webhooks_delivery (endpoint_id, lead_id, event_id, event_type, webhook_id, payload, occurred_at,
                                       status, attempts, delivered_at, created_at)
        SELECT %(endpoint)s, l.id, NULL, 'lead.' || l.status, 'msg_' || replace(l.id::text, '-', ''),
               jsonb_build_object(
                   'id', l.id, 'partner', 'retention', 'lead_type', l.lead_type, 'tab', l.tab, 'status', l.status,
                   'stage', 'closed', 'is_hot', false, 'contact_requested', l.contact_requested,
                   'received_at', l.received_at, 'respond_by', l.respond_by, 'decided_at', l.decided_at,
                   'customer', jsonb_build_object(
                       'company', c.company, 'company_size', c.company_size, 'country', c.country, 'city', c.city,
                       'contact_name', CASE WHEN l.status IN ('won', 'lost') THEN c.contact_name END,
                       'email', CASE WHEN l.status IN ('won', 'lost') THEN c.email END,
                       'phone', CASE WHEN l.status IN ('won', 'lost') THEN c.phone END),
                   'need', l.need, 'referred_by_email', l.referred_by_email, 'deal_name', l.deal_name,
                   'deal_value', l.deal_value::text, 'currency', l.currency,
                   'estimated_close_date', l.estimated_close_date, 'notes', l.notes, 'crm_id', l.crm_id,
                   'campaign_id', l.campaign_id, 'reason', l.reason, 'reason_notes', l.reason_notes,
                   'team', CASE WHEN l.status IN ('won', 'lost') THEN jsonb_build_array(jsonb_build_object(
                       'name', 'Team Mate', 'email', 'mate@retention.example', 'phone', '+420 700 000 000'))
                       ELSE '[]'::jsonb END,
                   'is_favorite', false, 'created_at', l.created_at, 'updated_at', l.updated_at,
                   'etag', '"1"', 'match_reasons', '[]'::jsonb, 'routed_from', NULL),
               l.updated_at, 'delivered', 1, l.updated_at, l.updated_at
        FROM leads_lead l JOIN leads_customer c ON c.id = l.customer_id
        WHERE l.partner_id = %(organisation)s
    """,
        {"endpoint": endpoint_id, "organisation": organisation_id},
    )
    cursor.execute(
        """
        INSERT INTO webhooks_attempt (delivery_id, at, status_code, duration_ms, response_body, error)
        SELECT id, delivered_at, 201, 40, '{"created": true, "contact": ' || (payload -> 'customer')::text || '}', ''
        FROM webhooks_delivery WHERE endpoint_id = %s ORDER BY id
    """,
        [endpoint_id],
    )
