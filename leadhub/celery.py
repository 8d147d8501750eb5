"""The Celery application; its configuration is the CELERY_* Django settings."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadhub.settings.local")

app = Celery("leadhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="leadhub.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """The nightly job: delete the sessions past their expiry (Django's `clearsessions`), or the table only grows."""
    from django.core.management import call_command

    call_command("clearsessions")
