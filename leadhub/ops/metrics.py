"""Prometheus metrics: per-view requests, latency and database queries, Celery task outcomes, and the state of
the lead pipeline read at scrape time.

prometheus-client runs in multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by the settings before this module
is imported): each gunicorn worker and each Celery worker process writes its counters to files in one directory,
and a scrape of any web worker adds them all up. Only counters and histograms are kept there; the pipeline's
gauges are computed by the scrape itself, so no process's figure goes stale when it exits.
"""

import hmac
import os
import socket
import threading
from datetime import timedelta
from time import perf_counter

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.backends.signals import connection_created
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector


def process_identifier() -> str:
    """What names this process's metric files: its host name and pid. Under docker compose the web and worker
    containers share one PROMETHEUS_MULTIPROC_DIR volume, and each container numbers its processes from 1, so a
    pid alone would let two live processes write one file; the host name (a container's id, also in $HOSTNAME)
    tells them apart. No underscore: the collector reads a file's type from the part before the first one."""
    host = os.environ.get("HOSTNAME") or socket.gethostname()
    return f"{host}-{os.getpid()}".replace("_", "-")


# Before any metric is made: each metric's value class is taken when it is created.
values.ValueClass = values.MultiProcessValue(process_identifier=process_identifier)

REQUESTS = Counter(
    "leadhub_http_requests", "HTTP requests answered, by view, method and status code.", ["view", "method", "status"]
)
LATENCY = Histogram(
    "leadhub_http_request_duration_seconds",
    "Server time of a request, by view.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
QUERIES = Counter("leadhub_db_queries", "Database queries made while answering requests, by view.", ["view"])
TASKS = Counter(
    "leadhub_celery_tasks", "Celery task runs, by task name and outcome (success, retry, failure).", ["task", "outcome"]
)

# Anything else a client sends as a method is counted as "other", so it cannot grow the label set.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The e-mail gauges read recent history events (no index serves them): computed at most this often.
EMAIL_GAUGES_SECONDS = 300
EMAIL_GAUGES_KEY = "leadhub:metrics:emails"


# Database queries made by this thread, counted by a wrapper every connection carries (cheaper than adding and
# removing one per request); the middleware reads the count before and after a request.
_thread = threading.local()


def _count_query(execute, sql, params, many, context):
    _thread.queries = getattr(_thread, "queries", 0) + 1
    return execute(sql, params, many, context)


def _install_query_counter(sender, connection, **kwargs) -> None:
    if _count_query not in connection.execute_wrappers:  # a reconnect keeps the wrapper object's list
        connection.execute_wrappers.append(_count_query)


class RequestMetricsMiddleware:
    """Counts each request, its server time and its database queries under the name of the view that answered.

    Outermost in MIDDLEWARE, so the time includes every other middleware. Unresolved paths (404 before any view)
    share the view name "unmatched", so random paths cannot multiply the series. Each label set's metric
    children are looked up once and kept: the lookup costs as much as the count.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.children = {}
        connection_created.connect(_install_query_counter, dispatch_uid="leadhub-query-counter")
        if connection.connection is not None:  # this thread's connection may be open already
            _install_query_counter(None, connection)

    def __call__(self, request):
        queries_before = getattr(_thread, "queries", 0)
        started = perf_counter()
        response = self.get_response(request)
        elapsed = perf_counter() - started
        queries = getattr(_thread, "queries", 0) - queries_before
        match = getattr(request, "resolver_match", None)
        key = (
            match.view_name if match is not None else "unmatched",
            request.method if request.method in METHODS else "other",
            response.status_code,
        )
        children = self.children.get(key)
        if children is None:
            view, method, status = key
            children = self.children[key] = (
                REQUESTS.labels(view, method, str(status)),
                LATENCY.labels(view),
                QUERIES.labels(view),
            )
        children[0].inc()
        children[1].observe(elapsed)
        if queries:
            children[2].inc(queries)
        return response


class PipelineCollector:
    """Gauges read from the database at scrape time: leads waiting, hot and overdue; e-mails pending and failing.

    The lead counts each walk one partial index (lead_waiting_idx, lead_hot_idx, lead_received_due_idx).
    """

    def collect(self):
        from leads.models import Lead, Status

        now = timezone.now()
        received = Lead.objects.filter(status=Status.RECEIVED)
        figures = {
            "leadhub_leads_waiting": ("Leads received and not yet answered.", received.count()),
            "leadhub_leads_hot": (
                "Open leads whose customer asked to be contacted directly (hot).",
                Lead.objects.filter(is_hot=True, status__in=[Status.RECEIVED, Status.ACCEPTED]).count(),
            ),
            "leadhub_leads_overdue": (
                "Received leads past their answer deadline, waiting for the expiry job.",
                received.filter(received_at__lte=now - timedelta(days=settings.LEADHUB_RESPONSE_DAYS)).count(),
            ),
        }
        pending, failing = email_backlog(now)
        figures["leadhub_emails_pending"] = ("E-mails owed for less than an hour and not sent yet.", pending)
        failing_help = (
            "E-mails owed for over an hour and still not sent (task lost or mail server down); the "
            "hourly job queues them again."
        )
        figures["leadhub_emails_failing"] = (failing_help, failing)
        for name, (documentation, value) in figures.items():
            yield GaugeMetricFamily(name, documentation, value=value)


def email_backlog(now) -> tuple[int, int]:
    """(pending, failing) e-mails, from the catch-up job's own rule (leads.notifications.emails_missed); cached."""
    cached = cache.get(EMAIL_GAUGES_KEY)
    if cached is not None:
        return tuple(cached)
    from leads.notifications import MISSED_AFTER, emails_missed

    failing = set(emails_missed(now=now))
    owed = set(emails_missed(now=now + MISSED_AFTER))  # also owed within the last hour
    figures = (len(owed - failing), len(failing))
    cache.set(EMAIL_GAUGES_KEY, figures, EMAIL_GAUGES_SECONDS)
    return figures


def authorised(request) -> bool:
    token = settings.LEADHUB_METRICS_TOKEN
    supplied = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(supplied.encode(), f"Bearer {token}".encode())


@require_GET
def metrics(request):
    """The Prometheus scrape: 404 unless the bearer token is LEADHUB_METRICS_TOKEN (and that is set), so the
    endpoint does not even show that it exists."""
    if not authorised(request):
        raise Http404()
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(PipelineCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def count_task(task, outcome: str) -> None:
    """One Celery task run ended with `outcome` (success, retry or failure)."""
    TASKS.labels(getattr(task, "name", None) or str(task), outcome).inc()
