"""Project-level views that belong to no app."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from leadhub.celery import app as celery_app


def _database_answers() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker_answers() -> None:
    # One quick attempt, no back-off: a load balancer polls this and wants an answer in well under its timeout.
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)


@never_cache
@require_GET
def healthz(request):
    """200 when the database and the Celery broker both answer, 503 (naming the one that does not) otherwise."""
    checks = {}
    for name, check in (("database", _database_answers), ("broker", _broker_answers)):
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
            checks[name] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
