"""LeadHub project package: settings, URLs and the Celery app that wire the apps together."""

from .celery import app as celery_app

__all__ = ("celery_app",)
