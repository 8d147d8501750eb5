"""Outcomes recorded at once from several connections all count: the upserts lose no increment."""

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from routing.history import Outcome
from routing.models import PartnerMonth, PartnerStat
from routing.services import outcome_record
from tests.routing.factories import routed_partner

WRITERS = 4
EACH = 15


@pytest.mark.django_db(transaction=True)
def test_concurrent_outcomes_on_new_and_existing_rows_lose_no_increment():
    partner = routed_partner("busy", keywords=("cloud", "SAP"))
    barrier = threading.Barrier(WRITERS)
    errors = []

    def write():
        try:
            barrier.wait()
            for _ in range(EACH):
                with transaction.atomic():
                    outcome_record(Outcome(partner.pk, "sales_qualified", "10-49", "Cloud and SAP", "CZ", "received"))
                    outcome_record(
                        Outcome(partner.pk, "sales_qualified", "10-49", "Cloud and SAP", "CZ", "declined", "not_a_fit")
                    )
        except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()
    assert errors == []
    rows = PartnerStat.objects.filter(partner=partner)
    assert rows.count() == 6  # all, type, size, country, two keywords
    assert {(row.offered, row.declined_not_fit) for row in rows} == {(WRITERS * EACH, WRITERS * EACH)}
    assert PartnerMonth.objects.get(partner=partner).received == WRITERS * EACH
