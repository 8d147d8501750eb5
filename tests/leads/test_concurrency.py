"""Two people acting on one lead at the same moment, on two real PostgreSQL connections: exactly one wins."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone

from leads import services
from leads.exceptions import LeadConflict
from leads.models import Lead, LeadEvent, Status
from tests.db import wait_until_another_connection_waits_for_a_lock
from tests.factories import LeadFactory

FUTURE = (timezone.now() + timedelta(days=30)).date()


def accept(lead_id, user):
    return services.lead_accept(lead=lead_id, by=user, deal_name="Deal", deal_value="10", estimated_close_date=FUTURE)


def decline(lead_id, user):
    return services.lead_decline(lead=lead_id, by=user, reason="not_a_fit")


def in_thread(target, results, key):
    def run():
        try:
            results[key] = target()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each side got
            results[key] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_accept_and_decline_at_the_same_moment_one_wins_the_other_is_told(org, partner_admin, referrals_admin):
    lead = LeadFactory(partner=org)
    results = {}

    def first():
        with transaction.atomic():
            accept(lead.pk, partner_admin)
            # Keep the row locked until the other person's decline is really waiting for it.
            wait_until_another_connection_waits_for_a_lock(who="the second connection")

    first_thread = in_thread(first, results, "accept")
    time.sleep(0.2)
    second_thread = in_thread(lambda: decline(lead.pk, referrals_admin), results, "decline")
    first_thread.join(20)
    second_thread.join(20)

    assert results["accept"] is None
    assert isinstance(results["decline"], LeadConflict)
    assert results["decline"].message == "This lead was already accepted."
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.status == Status.ACCEPTED and lead.reason == ""
    assert list(LeadEvent.objects.filter(lead=lead).values_list("action", flat=True)) == ["accept"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second", [accept, decline])
def test_racing_connections_started_together_yield_exactly_one_winner(org, partner_admin, referrals_admin, second):
    leads = [LeadFactory(partner=org) for _ in range(5)]
    for lead in leads:
        barrier = threading.Barrier(2)
        results = {}

        def go(action, user, lead_id=lead.pk, barrier=barrier):
            barrier.wait(5)
            return action(lead_id, user)

        threads = [
            in_thread(lambda: go(accept, partner_admin), results, "a"),
            in_thread(lambda: go(second, referrals_admin), results, "b"),
        ]
        for thread in threads:
            thread.join(20)
        outcomes = [results["a"], results["b"]]
        winners = [r for r in outcomes if isinstance(r, Lead)]
        losers = [r for r in outcomes if isinstance(r, LeadConflict)]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        assert losers[0].message.startswith("This lead was already")
        assert LeadEvent.objects.filter(lead=lead).count() == 1
