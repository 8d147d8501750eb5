"""The Celery application; its configuration is the CELERY_* Django settings."""

import gc
import os

from celery import Celery, signals
from django.db import close_old_connections

from leadhub.ops import request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadhub.settings.local")

app = Celery("leadhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="leadhub.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """The nightly job: delete the sessions past their expiry (Django's `clearsessions`), or the table only grows."""
    from django.core.management import call_command

    call_command("clearsessions")


def _count_outcome(outcome: str):
    def receiver(sender=None, **kwargs):
        # Imported on first use: prometheus_client must not load before the settings chose its multiprocess
        # directory, and this module is imported before the settings are.
        from leadhub.ops.metrics import count_task

        count_task(sender, outcome)

    return receiver


def _setup_logging(**kwargs) -> None:
    """The worker logs through Django's LOGGING (plain or JSON, with request ids) rather than Celery's format."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


def _close_old_connections(sender=None, **kwargs) -> None:
    """With CELERY_DB_REUSE_MAX set, connections persist across tasks as across requests: each task starts and ends
    by closing those that broke or outlived CONN_MAX_AGE, as Django does around a request. Not for a task run
    eagerly, inside its caller's transaction (as Celery's own fixup spares it)."""
    if not getattr(getattr(sender, "request", None), "is_eager", False):
        close_old_connections()


def _freeze_what_is_loaded(**kwargs) -> None:
    """As leadhub.wsgi does for the web: what is alive once the worker is up (modules, models, settings, tasks)
    lives as long as the process, and frozen it is left out of the garbage collector's full passes. A task that
    builds many objects (the insights refresh after an expiry batch builds hundreds of rows) otherwise set one off
    every few runs, walking all of it again: 50 ms on top of the refresh's 55 ms in `make bench-insights`."""
    gc.freeze()


# A prefork child, once started; the worker's own process for the solo and threads pools (compose's webhooks worker).
signals.worker_process_init.connect(_freeze_what_is_loaded, weak=False)
signals.worker_ready.connect(_freeze_what_is_loaded, weak=False)
signals.task_prerun.connect(_close_old_connections, weak=False)
signals.task_postrun.connect(_close_old_connections, weak=False)
# Request ids travel into the tasks a request queued; each task's outcome is counted for /metrics.
signals.before_task_publish.connect(request_id.on_before_task_publish, weak=False)
signals.task_prerun.connect(request_id.on_task_prerun, weak=False)
signals.task_postrun.connect(request_id.on_task_postrun, weak=False)
signals.task_success.connect(_count_outcome("success"), weak=False)
signals.task_retry.connect(_count_outcome("retry"), weak=False)
signals.task_failure.connect(_count_outcome("failure"), weak=False)
signals.setup_logging.connect(_setup_logging, weak=False)
