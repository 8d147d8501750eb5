"""After a load run: is the data right? Needs Django set up on the run's database."""

from collections import Counter


def emails_owed() -> set:
    """The e-mails owed for events up to now (emails_missed looks only at events older than an hour: look ahead)."""
    from datetime import timedelta

    from django.utils import timezone

    from leads.notifications import emails_missed

    return set(emails_missed(now=timezone.now() + timedelta(hours=1, minutes=1)))


def check_data(sent: Counter | None = None, owed_before: set | None = None) -> dict:
    """No lead decided twice, every lead's status where its history last took it, and (given what the SMTP sink
    received) every e-mail recorded went out exactly once and none is owed."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from leads.models import EmailDelivery

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM (
                SELECT lead_id FROM leads_leadevent WHERE action IN ('accept', 'decline')
                GROUP BY lead_id HAVING count(*) > 1) twice
        """)
        decided_twice = cursor.fetchone()[0]
        cursor.execute("""
            SELECT count(*) FROM leads_lead l
            WHERE l.status <> COALESCE((
                SELECT e.to_status FROM leads_leadevent e
                WHERE e.lead_id = l.id AND e.to_status <> ''
                ORDER BY e.at DESC, e.id DESC LIMIT 1), 'received')
        """)
        inconsistent = cursor.fetchone()[0]
    result = {"decided_twice": decided_twice, "status_not_history": inconsistent}
    if sent is not None:
        since = timezone.now() - timedelta(hours=2)
        recorded = Counter(
            (recipient, " ".join(subject.split()))
            for recipient, subject in EmailDelivery.objects.filter(sent_at__gte=since).values_list(
                "recipient", "subject"
            )
        )
        result["emails_recorded"] = sum(recorded.values())
        result["emails_received"] = sum(sent.values())
        result["emails_twice"] = sum(max(sent[key] - count, 0) for key, count in recorded.items())
        result["emails_lost"] = sum(max(count - sent[key], 0) for key, count in recorded.items())
        result["emails_unrecorded"] = sum(count for key, count in sent.items() if key not in recorded)
        # Owed for the run's events (the seeded history's events never had e-mails).
        result["emails_owed"] = len(emails_owed() - (owed_before or set()))
    return result


def data_ok(result: dict) -> bool:
    return not any(
        result.get(key, 0)
        for key in ("decided_twice", "status_not_history", "emails_twice", "emails_lost", "emails_unrecorded")
    ) and not result.get("emails_owed", 0)
