"""The leads events follower: the daily rollups of the days a change touched, recomputed once it commits."""

from collections.abc import Sequence

from insights.tasks import refresh_insights_rollups
from leads.events import Happened
from leads.models import EventAction

# History events that change no figure of the insights (status, type, times, deal value, currency, reason).
UNCOUNTED = {EventAction.TEAM, EventAction.TEAM_OUT, EventAction.NOTE, EventAction.ERASE}


def refresh_rollups(happenings: Sequence[Happened]) -> None:
    """A follower: on a worker, once the change commits (one follow-up task per published batch, the expiry job's
    thousand leads too). Nothing is written in the change's transaction, so no rollup row is locked while a lead
    is, and the recount runs on a worker, so the expiry job goes on to its next batch at once (a refresh takes
    about 50 ms of CPU per thousand leads). A worker picks it up within a second or two; a lost task leaves a day
    stale until the nightly rebuild.
    """
    refresh_insights_rollups(lead_ids=[str(happened.lead_id) for happened in happenings])


# History events that change a figure of the insights: all but the UNCOUNTED.
COUNTED = [action for action in EventAction.values if action not in UNCOUNTED]
