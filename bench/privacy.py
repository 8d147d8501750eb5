"""Privacy and operations figures, on a database of their own (default leadhub_privacy_bench, made afresh):

1. the retention job's rate on a backlog of old archived leads (target ≥ 20,000 leads/s, longest batch < 250 ms),
   each with the personal data the job blanks: customer, need, notes, team, history, the decline e-mail;
2. the extra server time the metrics middleware adds to a partner's tab (target ≤ 0.5 ms), measured in-process
   by alternating requests through the same middleware chain with and without it.

    .venv/bin/python bench/privacy.py [--leads 100000] [--requests 400]
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import drop_database, ensure_database, log  # noqa: E402 - bench/ is put on the path first

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
    return parser.parse_args(argv)


def setup_django(args) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadhub.settings.bench"
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["CELERY_BROKER_URL"] = args.broker_url
    import django

    django.setup()


def seed(count: int):
    """`count` archived leads of one partner, archived 760-900 days ago, with personal data everywhere."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from leads.management.commands.seed_bulk import (
        LeadWriter,
        _sync_identity,
        bulk_load_session,
        create_partner,
        vendor_referrers,
    )
    from leads.models import Customer

    rng = random.Random(11)
    now = timezone.now()
    password_hash = make_password(None)
    with transaction.atomic():
        organisation, users = create_partner("retention", "Retention Partner", users=2, password_hash=password_hash)
        referrers = vendor_referrers(password_hash)
        with connection.cursor() as cursor, bulk_load_session(cursor):
            writer = LeadWriter(cursor, rng, now - timedelta(days=760))
            for _ in range(count):
                received_at = now - timedelta(days=900, seconds=-rng.randint(0, 40 * 24 * 3600))
                writer.add(
                    partner_id=organisation.pk,
                    received_at=received_at,
                    status=rng.choice(["won", "lost", "declined", "expired"]),
                    referrers=referrers,
                    partner_users=users,
                )
            writer.close()
            _sync_identity(cursor, Customer._meta.db_table)
            # What LeadWriter leaves out: notes, team members, a follow-up's contact, the decline e-mail.
            cursor.execute(
                """
                UPDATE leads_lead SET notes = 'Call ' || c.contact_name || ' on ' || c.phone,
                                      reason_notes = CASE WHEN status IN ('lost', 'declined')
                                                          THEN c.contact_name || ' had no budget' ELSE '' END
                FROM leads_customer c WHERE c.id = leads_lead.customer_id AND leads_lead.partner_id = %s
            """,
                [organisation.pk],
            )
            cursor.execute(
                """
                INSERT INTO leads_teammember (lead_id, name, email, phone, added_at)
                SELECT id, 'Team Mate', 'mate@retention.example', '+420 700 000 000', decided_at
                FROM leads_lead WHERE partner_id = %s AND status IN ('won', 'lost')
            """,
                [organisation.pk],
            )
            cursor.execute(
                """
                INSERT INTO leads_leadevent (lead_id, at, actor_id, action, from_status, to_status, changes)
                SELECT l.id, l.received_at + interval '1 day', NULL, 'note', 'received', 'received',
                       jsonb_build_object('need', 'Any news?', 'contact_name', c.contact_name, 'phone', c.phone,
                                          'contact_requested', true)
                FROM leads_lead l JOIN leads_customer c ON c.id = l.customer_id
                WHERE l.partner_id = %s AND l.lead_type = 'customer_inquiry'
            """,
                [organisation.pk],
            )
            cursor.execute(
                """
                INSERT INTO leads_emaildelivery (kind, lead_id, event_id, recipient, language, subject, sent_at)
                SELECT 'decline', l.id, NULL, c.email, 'en', 'Please choose another partner', l.decided_at
                FROM leads_lead l JOIN leads_customer c ON c.id = l.customer_id
                WHERE l.partner_id = %s AND l.status = 'declined'
            """,
                [organisation.pk],
            )
    with connection.cursor() as cursor:
        for table in (
            "leads_lead",
            "leads_customer",
            "leads_leadevent",
            "leads_teammember",
            "leads_emaildelivery",
            "leads_leadsearch",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return organisation, users


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


def expiry_reference(count: int, workers: int | None) -> float:
    """The expiry job's rate on a backlog of the same size, measured the same way: the reference the retention
    job is held to (both are set-based batch jobs over the same tables)."""
    from django.utils import timezone

    from leads.management.commands.seed_bulk import seed_overdue_backlog
    from leads.services import leads_expire_overdue

    now = timezone.now()
    seed_overdue_backlog(count=count, slug="expiry-reference", now=now)
    started = time.perf_counter()
    done = leads_expire_overdue(now=now, workers=workers)
    return done / (time.perf_counter() - started)


def retention(workers: int | None) -> dict:
    from django.db import connection
    from django.utils import timezone

    from privacy.retention import leads_anonymise_retained

    batches = []
    started = time.perf_counter()
    done = leads_anonymise_retained(
        now=timezone.now(), workers=workers, on_batch=lambda count, seconds: batches.append((count, seconds))
    )
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM leads_lead WHERE need <> '' AND status IN ('won', 'lost', 'declined', 'expired')"
        )
        left = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM leads_customer WHERE email <> ''")
        emails_left = cursor.fetchone()[0]
    durations = sorted(seconds * 1000 for count, seconds in batches if count)
    return {
        "done": done,
        "seconds": elapsed,
        "rate": done / elapsed if elapsed else 0.0,
        "batches": len(durations),
        "longest_batch_ms": durations[-1] if durations else 0.0,
        "p50_batch_ms": statistics.median(durations) if durations else 0.0,
        "left": left,
        "emails_left": emails_left,
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    ensure_database(args.database_url, fresh=True)
    setup_django(args)
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    log(f"seeding {args.leads:,} old archived leads")
    started = time.monotonic()
    _organisation, users = seed(args.leads)
    log(f"seeded in {time.monotonic() - started:.0f} s; measuring the metrics middleware on the tab")
    overhead = middleware_overhead(users[0], args.requests)
    own = middleware_cost()
    log("running the retention job")
    result = retention(args.workers)
    log(f"seeding {args.leads:,} overdue leads and running the expiry job, for reference")
    expiry_rate = expiry_reference(args.leads, args.workers)
    ok_rate, ok_batch = result["rate"] >= TARGETS["rate"], result["longest_batch_ms"] < TARGETS["longest_batch_ms"]
    ok_mw = own["extra"] <= TARGETS["middleware_ms"]
    workers = args.workers or settings.LEADHUB_JOB_WORKERS
    print(
        f"Retention job, {result['done']:,} old archived leads, {result['batches']} batches of "
        f"{settings.LEADHUB_RETENTION_BATCH_SIZE} on {workers} connections: {result['rate']:,.0f} leads/s "
        f"(target ≥ {TARGETS['rate']:,}) {'OK' if ok_rate else 'MISSED'}; longest batch "
        f"{result['longest_batch_ms']:.0f} ms, p50 {result['p50_batch_ms']:.0f} ms (target < "
        f"{TARGETS['longest_batch_ms']} ms) {'OK' if ok_batch else 'MISSED'}; left with personal data: "
        f"{result['left']} leads, {result['emails_left']} customer e-mails"
    )
    print(
        f"Expiry job on {args.leads:,} overdue leads, same machine and connections, for reference: "
        f"{expiry_rate:,.0f} leads/s (retention / expiry = {result['rate'] / expiry_rate:.2f})"
    )
    print(
        f"Metrics middleware's extra server time on the tab: {own['extra']:.3f} ms = {own['fixed']:.3f} ms "
        f"per request + {own['queries']} queries × {own['per_query']:.4f} ms (target ≤ "
        f"{TARGETS['middleware_ms']} ms) {'OK' if ok_mw else 'MISSED'}"
    )
    print(
        f"Marketplace tab end to end, in-process ({args.requests} requests each way, alternating): "
        f"{overhead['with']:.2f} ms with, {overhead['without']:.2f} ms without: difference of medians "
        f"{overhead['extra']:.3f} ms, median of pair differences {overhead['pairs_extra']:.3f} ms (noise-bound)"
    )
    if not args.keep:
        drop_database(args.database_url)
    return 0 if (ok_rate and ok_batch and ok_mw) else 1


if __name__ == "__main__":
    sys.exit(main())
