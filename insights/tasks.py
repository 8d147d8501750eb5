"""Celery tasks of the insights app: take ids, recompute from the leads, safe to run twice (or out of order)."""

from celery import shared_task

from insights.rollups import rollups_rebuild, rollups_refresh_leads


@shared_task
def refresh_insights_rollups(lead_ids: list[str]) -> int:
    """The days these leads were received on, recomputed (by the follower insights.subscribers.refresh_rollups; still
    a task for the messages that releases before the followers queued)."""
    return rollups_refresh_leads(lead_ids)


@shared_task
def rebuild_insights_rollups() -> tuple[int, int]:
    """The nightly job: every daily rollup recomputed from the leads (the events keep them current in between)."""
    return rollups_rebuild()
