"""Celery tasks of the privacy app."""

from celery import shared_task

from privacy.retention import leads_anonymise_retained


@shared_task
def anonymise_old_leads() -> int:
    """The nightly job: archived leads past LEADHUB_RETENTION_DAYS lose their personal data."""
    return leads_anonymise_retained()
