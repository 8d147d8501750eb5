"""Privacy and operations figures, on a database of their own (default leadhub_privacy_bench, made afresh):

1. the retention job's rate on a backlog of old archived leads (target ≥ 20,000 leads/s, longest batch < 250 ms),
   each with the personal data the job blanks: customer, need, notes, deal name and CRM id, team, history, the
   decline e-mail and (unless --no-webhooks) the webhook delivery of its last change with the CRM's answer, which
   the job deletes; run after a CHECKPOINT, as the old leads would be long on disk; the job's CPU time (its
   PostgreSQL backends' and this process's) beside the wall time, since the wall time depends on the load;
2. the extra server time the metrics middleware adds to a partner's tab (target ≤ 0.5 ms), measured in-process
   by alternating requests through the same middleware chain with and without it.

    .venv/bin/python bench/privacy.py [--leads 100000] [--requests 400] [--no-webhooks]

It prints a table of measure, target, result and ok/MISSED, and exits 1 if a target is missed.
"""

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from privacy_seed import seed  # noqa: E402 - bench/ is put on the path first
from run import checkpoint, drop_database, ensure_database, log  # noqa: E402

TARGETS = {"rate": 20_000, "longest_batch_ms": 250, "middleware_ms": 0.5}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "PRIVACY_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leadhub_privacy_bench"
        ),
    )
    parser.add_argument("--broker-url", default=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/6"))
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400, help="tab requests each way, with and without")
    parser.add_argument("--workers", type=int, default=None, help="job connections (LEADHUB_JOB_WORKERS)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--no-webhooks", action="store_true", help="seed no webhook deliveries (a partner without an endpoint)"
    )
    return parser.parse_args(argv)


def setup_django(args) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadhub.settings.bench"
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["CELERY_BROKER_URL"] = args.broker_url
    import django

    django.setup()


def middleware_overhead(user_id: int, requests: int) -> dict:
    """Server time of the partner's Marketplace tab with and without RequestMetricsMiddleware, alternating."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client, override_settings

    user = get_user_model().objects.get(pk=user_id)
    metrics = "leadhub.ops.metrics.RequestMetricsMiddleware"
    assert metrics in settings.MIDDLEWARE
    clients = {"with": Client(HTTP_HOST="127.0.0.1")}
    with override_settings(MIDDLEWARE=[entry for entry in settings.MIDDLEWARE if entry != metrics]):
        clients["without"] = Client(HTTP_HOST="127.0.0.1")
        clients["without"].force_login(user)
        assert clients["without"].get("/leads/marketplace/").status_code == 200  # builds its chain here
    clients["with"].force_login(user)
    times = {"with": [], "without": []}
    for index in range(requests * 2 + 40):
        name = ("with", "without")[index % 2]
        started = time.perf_counter()
        response = clients[name].get("/leads/marketplace/")
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        if index >= 40:  # warm-up
            times[name].append(elapsed * 1000)
    return {name: statistics.median(values) for name, values in times.items()} | {
        "extra": statistics.median(times["with"]) - statistics.median(times["without"]),
        "pairs_extra": statistics.median([a - b for a, b in zip(times["with"], times["without"], strict=True)]),
    }


def middleware_cost(rounds: int = 200, block: int = 200, queries: int = 3, pairs: int = 4000) -> dict:
    """The middleware's own time per request, apart from the noise of rendering a page on a busy machine: its
    fixed part, around a view that does nothing (alternating blocks with and without it), plus `queries` (the
    tab makes 3, as `make bench` counts them) times what counting one query adds (the median difference of
    alternating single queries with and without the counting wrapper)."""
    from django.db import connection
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.urls import resolve

    from leadhub.ops.metrics import RequestMetricsMiddleware, _count_query

    def view(request):
        return HttpResponse("ok")

    request = RequestFactory().get("/leads/marketplace/")
    request.resolver_match = resolve("/leads/marketplace/")
    handlers = {"without": view, "with": RequestMetricsMiddleware(view)}
    means = {"with": [], "without": []}
    for index in range(rounds * 2):
        name = ("with", "without")[index % 2]
        handler = handlers[name]
        started = time.perf_counter()
        for _ in range(block):
            handler(request)
        means[name].append((time.perf_counter() - started) * 1000 / block)
    fixed = statistics.median(means["with"]) - statistics.median(means["without"])
    differences = []
    with connection.cursor() as cursor:
        for _ in range(pairs):
            connection.execute_wrappers.remove(_count_query)
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            without = time.perf_counter() - started
            connection.execute_wrappers.append(_count_query)
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            differences.append((time.perf_counter() - started - without) * 1000)
    per_query = statistics.median(differences)
    return {"fixed": fixed, "per_query": per_query, "extra": fixed + queries * max(per_query, 0.0), "queries": queries}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a local process (here: the PostgreSQL backend serving a connection)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class BackendClock:
    """CPU time of the PostgreSQL backends of every connection a job uses, read on each connection's own thread
    after each batch: per batch (the difference from the thread's previous reading) and in all. A helper thread's
    backend is new, so its first batch counts from 0 (its connection's start-up, a few ms, included)."""

    def __init__(self):
        import threading

        from django.db import connection

        self.local = threading.local()
        self.local.previous = _cpu_seconds(self._pid(connection))
        self.batches: list[tuple[int, float, float]] = []  # (leads, wall s, backend CPU s)
        self.lock = threading.Lock()

    @staticmethod
    def _pid(connection) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    def on_batch(self, count: int, seconds: float) -> None:
        from django.db import connection

        now = _cpu_seconds(self._pid(connection))
        used = now - getattr(self.local, "previous", 0.0)
        self.local.previous = now
        with self.lock:
            self.batches.append((count, seconds, used))


def expiry_reference(count: int, workers: int | None) -> dict:
    """The expiry job's rate on a backlog of the same size, measured the same way: the reference the retention
    job is held to (both are set-based batch jobs over the same tables)."""
    from django.utils import timezone

    from leads.management.commands.seed_bulk import seed_overdue_backlog
    from leads.services import leads_expire_overdue

    now = timezone.now()
    seed_overdue_backlog(count=count, slug="expiry-reference", now=now)
    started, cpu = time.perf_counter(), time.process_time()
    done = leads_expire_overdue(now=now, workers=workers)
    return {"rate": done / (time.perf_counter() - started), "cpu": time.process_time() - cpu}


def retention(workers: int | None) -> dict:
    from django.db import connection
    from django.utils import timezone

    from privacy.retention import leads_anonymise_retained

    clock = BackendClock()
    started, cpu = time.perf_counter(), time.process_time()
    done = leads_anonymise_retained(now=timezone.now(), workers=workers, on_batch=clock.on_batch)
    elapsed, own_cpu = time.perf_counter() - started, time.process_time() - cpu
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM leads_lead WHERE (need <> '' OR deal_name <> '' OR crm_id <> '')"
            " AND status IN ('won', 'lost', 'declined', 'expired')"
        )
        left = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM leads_customer WHERE email <> ''")
        emails_left = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM webhooks_delivery WHERE lead_id IS NOT NULL")
        webhooks_left = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM webhooks_attempt WHERE response_body <> ''")
        answers_left = cursor.fetchone()[0]
    batches = [(seconds * 1000, cpu * 1000) for count, seconds, cpu in clock.batches if count]
    walls, cpus = sorted(wall for wall, _ in batches), sorted(cpu for _, cpu in batches)
    backend_cpu = sum(cpu for _, _, cpu in clock.batches)
    return {
        "done": done,
        "seconds": elapsed,
        "rate": done / elapsed if elapsed else 0.0,
        "cpu": own_cpu + backend_cpu,
        "backend_cpu": backend_cpu,
        "batches": len(batches),
        "longest_batch_ms": walls[-1] if walls else 0.0,
        "p50_batch_ms": statistics.median(walls) if walls else 0.0,
        "longest_batch_cpu_ms": cpus[-1] if cpus else 0.0,
        "p50_batch_cpu_ms": statistics.median(cpus) if cpus else 0.0,
        "left": left,
        "emails_left": emails_left,
        "webhooks_left": webhooks_left,
        "answers_left": answers_left,
    }


def table(rows) -> str:
    """Rows of (measure, target, result, ok) as a Markdown table; ok None: for reference, no target."""
    lines = ["| measure | target | result | ok/MISSED |", "|---|---|---|---|"]
    for measure, target, result, ok in rows:
        lines.append(f"| {measure} | {target} | {result} | {'' if ok is None else 'ok' if ok else 'MISSED'} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    ensure_database(args.database_url, fresh=True)
    setup_django(args)
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    log(f"seeding {args.leads:,} old archived leads")
    started = time.monotonic()
    _organisation, users = seed(args.leads, webhooks=not args.no_webhooks)
    log(f"seeded in {time.monotonic() - started:.0f} s; measuring the metrics middleware on the tab")
    overhead = middleware_overhead(users[0], args.requests)
    own = middleware_cost()
    # Leads archived two years ago reached the disk long since (as bench-core's expiry backlog, which waited 14 days).
    checkpoint("the retention job", "the seeded data")
    gc.freeze()  # what a worker does once it is up (leadhub.celery): full garbage collections leave the loaded out
    load_before = os.getloadavg()[0]
    log("running the retention job")
    result = retention(args.workers)
    load_after = os.getloadavg()[0]
    log(f"seeding {args.leads:,} overdue leads and running the expiry job, for reference")
    expiry = expiry_reference(args.leads, args.workers)
    workers = args.workers or settings.LEADHUB_JOB_WORKERS
    cpu_rate = result["done"] / (result["cpu"] / workers) if result["cpu"] else 0.0
    rows = [
        (
            f"Retention job: {result['done']:,} old archived leads"
            f"{' (no webhooks)' if args.no_webhooks else ', one webhook delivery each'}, {result['batches']} batches of "
            f"{settings.LEADHUB_RETENTION_BATCH_SIZE} on {workers} connections",
            f"≥ {TARGETS['rate']:,} leads/s",
            f"{result['rate']:,.0f} leads/s ({result['seconds']:.2f} s wall)",
            result["rate"] >= TARGETS["rate"],
        ),
        (
            "Retention job: longest batch, wall (p50)",
            f"< {TARGETS['longest_batch_ms']} ms",
            f"{result['longest_batch_ms']:.0f} ms (p50 {result['p50_batch_ms']:.0f} ms)",
            result["longest_batch_ms"] < TARGETS["longest_batch_ms"],
        ),
        (
            "Retention job: CPU (PostgreSQL backends + this process), and the rate it allows on idle cores",
            "",
            f"{result['cpu']:.2f} s ({result['backend_cpu']:.2f} s backends): {cpu_rate:,.0f} leads/s",
            None,
        ),
        (
            "Retention job: longest batch, backend CPU (p50)",
            "",
            f"{result['longest_batch_cpu_ms']:.0f} ms (p50 {result['p50_batch_cpu_ms']:.0f} ms)",
            None,
        ),
        (
            "Retention job: archived leads / customer e-mails / webhook deliveries / CRM answers still held",
            "0 / 0 / 0 / 0",
            f"{result['left']} / {result['emails_left']} / {result['webhooks_left']} / {result['answers_left']}",
            not (result["left"] or result["emails_left"] or result["webhooks_left"] or result["answers_left"]),
        ),
        (
            "Expiry job on as many overdue leads, same connections (reference)",
            "",
            f"{expiry['rate']:,.0f} leads/s (retention / expiry = {result['rate'] / expiry['rate']:.2f})",
            None,
        ),
        (
            f"Metrics middleware's extra server time on the tab: per request + {own['queries']} queries × per query",
            f"≤ {TARGETS['middleware_ms']} ms",
            f"{own['extra']:.3f} ms = {own['fixed']:.3f} + {own['queries']} × {own['per_query']:.4f} ms",
            own["extra"] <= TARGETS["middleware_ms"],
        ),
        (
            f"Marketplace tab in-process, {args.requests} requests each way: with / without the middleware",
            "",
            f"{overhead['with']:.2f} / {overhead['without']:.2f} ms (noise-bound)",
            None,
        ),
    ]
    print(table(rows))
    print(
        f"load average (1 min) {load_before:.1f} before the retention job, {load_after:.1f} after, {os.cpu_count()} cores"
    )
    if not args.keep:
        drop_database(args.database_url)
    return 0 if all(ok for *_, ok in rows if ok is not None) else 1


if __name__ == "__main__":
    sys.exit(main())
