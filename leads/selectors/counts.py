"""The tab headers' counts: how many leads still wait for an answer in each list tab."""

from django.db import connection

from leads.models import Favorite, Lead, ListTab, Status, Tab
from leads.tenancy import ALL_PARTNERS, partner_scope


def lead_waiting_counts(user) -> dict[str, int]:
    """How many leads still wait for an answer (status received) in each tab, for the tab headers.

    One query over the received leads only (the partial index `lead_waiting_idx`), so it stays cheap for a
    partner with hundreds of thousands of leads: only the last few days' leads are still waiting. Every page
    shows these counts, so the statement is written out: building it with the ORM cost ten times its run time.
    """
    scope = partner_scope(user)
    if scope is None:
        return dict.fromkeys(ListTab.values, 0)
    lead, favorite = Lead._meta.db_table, Favorite._meta.db_table
    where, params = "status = %s", [Status.RECEIVED.value]
    if scope is not ALL_PARTNERS:
        where, params = f"partner_id = %s AND {where}", [scope, *params]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT count(CASE WHEN tab = %s THEN 1 END), count(CASE WHEN tab = %s THEN 1 END),
                   count(CASE WHEN id IN (SELECT lead_id FROM {favorite} WHERE user_id = %s) THEN 1 END)
            FROM {lead} WHERE {where}
            """,
            [Tab.MARKETPLACE.value, Tab.QUALIFIED.value, user.pk, *params],
        )
        counts = cursor.fetchone()
    return dict(zip(ListTab.values, counts))
