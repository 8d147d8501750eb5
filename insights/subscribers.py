"""The leads events subscriber: the daily rollups of the days a change touched, recomputed once it commits."""

from collections.abc import Sequence
from functools import partial

from insights.rollups import rollups_refresh_leads
from leads.events import Happened, after_commit
from leads.models import EventAction

# History events that change no figure of the insights (status, type, times, deal value, currency, reason).
UNCOUNTED = {EventAction.TEAM, EventAction.TEAM_OUT, EventAction.NOTE, EventAction.ERASE}


def refresh_rollups(happenings: Sequence[Happened]) -> None:
    """One refresh per published batch (the expiry job's thousand leads too), after the commit and outside the
    change's transaction: a rollup row is never locked while a lead is, so no batch ever waits for insights. A
    crash in between leaves a day stale until the nightly rebuild (insights.tasks)."""
    lead_ids = [happened.lead_id for happened in happenings if happened.action not in UNCOUNTED]
    if lead_ids:
        after_commit(partial(rollups_refresh_leads, lead_ids))
