"""Celery tasks of the insights app."""

from celery import shared_task

from insights.rollups import rollups_rebuild


@shared_task
def rebuild_insights_rollups() -> tuple[int, int]:
    """The nightly job: every daily rollup recomputed from the leads (the events keep them current in between)."""
    return rollups_rebuild()
