"""Triage figures (DESIGN §11): a 1,000-row CSV import (preview, then apply), a 1,000-item API bulk, and the live
refresh's server time when nothing changed. Prints one table.

Runs in-process against a database of its own (never leadhub_bench, which `make bench` and others read), seeded
once with --leads leads over --partners partners; the measured partner gets 3,000 leads waiting for an answer.

    .venv/bin/python bench/triage.py [--leads 100000] [--fresh]
"""

import argparse
import csv
import io
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"import_preview": 5.0, "import_apply": 5.0, "api_bulk": 5.0, "live_p95_ms": 3.0}


def log(message: str) -> None:
    print(f"[triage-bench] {message}", file=sys.stderr, flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TRIAGE_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leadhub_triage_bench"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("TRIAGE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--partners", type=int, default=10)
    parser.add_argument("--requests", type=int, default=500, help="live-refresh requests measured")
    parser.add_argument("--fresh", action="store_true", help="drop the database first and seed it again")
    return parser.parse_args(argv)


def prepare(args) -> None:
    """Create (or recreate) the database and migrate it, in a child process with the bench settings."""
    import psycopg

    name = args.database_url.rsplit("/", 1)[1]
    admin = args.database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and args.fresh:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, check=True, env=os.environ)


def seed(args):
    """Partners, leads and one partner admin; idempotent (a seeded database is reused)."""
    from django.utils import timezone

    from leads.models import Customer, Lead, LeadType
    from profiles.models import Membership, Organisation, Role

    org = Organisation.objects.filter(slug="triage-0").first()
    if org is None:
        log(f"seeding {args.leads:,} leads over {args.partners} partners")
        now = timezone.now()
        orgs = Organisation.objects.bulk_create(
            [Organisation(name=f"Triage Partner {n}", slug=f"triage-{n}") for n in range(args.partners)]
        )
        per = args.leads // args.partners
        for index, partner in enumerate(orgs):
            # The measured partner's newest 3,000 leads still wait for an answer; the rest are decided long ago.
            for start in range(0, per, 5000):
                size = min(5000, per - start)
                customers = Customer.objects.bulk_create(
                    [
                        Customer(
                            company=f"Company {index}-{start + n}",
                            contact_name="Jana Nováková",
                            email=f"jana@company{index}-{start + n}.example",
                        )
                        for n in range(size)
                    ]
                )
                leads = []
                for n, customer in enumerate(customers):
                    position = start + n
                    received = now - timedelta(minutes=2 * position + 5)
                    waiting = position < 3000 and received > now - timedelta(days=13)
                    leads.append(
                        Lead(
                            partner=partner,
                            customer=customer,
                            need="Bench need: a cloud migration.",
                            lead_type=LeadType.CUSTOMER_INQUIRY if position % 4 else LeadType.SALES_QUALIFIED,
                            received_at=received,
                            respond_by=received + timedelta(days=14),
                            status="received" if waiting else "declined",
                            reason="" if waiting else "not_a_fit",
                        )
                    )
                Lead.objects.bulk_create(leads)
        org = orgs[0]
    user = Membership.objects.filter(organisation=org, role=Role.PARTNER_ADMIN).first()
    if user is None:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_user("triage-bench-admin", password="bench-password-123")
        Membership.objects.create(user=user, organisation=org, role=Role.PARTNER_ADMIN)
    else:
        user = user.user
    return org, user


def waiting(user, count: int, offset: int = 0) -> list:
    from leads.models import Status
    from leads.selectors import lead_queryset_for

    return list(
        lead_queryset_for(user)
        .filter(status=Status.RECEIVED, tab="marketplace")
        .order_by("-received_at", "-id")[offset : offset + count]
    )


def measure_import(client, user) -> tuple[tuple, tuple, str]:
    """Export 1,000 waiting leads, decline half and accept half in the file, upload (preview), apply."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from leads.models import Lead
    from leads.selectors import with_favorite_flag
    from leads.web.export import COLUMNS, export_rows

    leads = waiting(user, 1000)
    assert len(leads) == 1000, "seed more leads: fewer than 1,000 are waiting"
    # Exported in Czech (semicolons, Czech headers and labels), edited with the machine column codes as headers.
    text = "".join(
        export_rows(with_favorite_flag(Lead.objects.filter(pk__in=[lead.pk for lead in leads]), user), language="cs")
    )
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
    next(reader)
    rows = [dict(zip(COLUMNS, cells)) for cells in reader]
    close = (timezone.localdate() + timedelta(days=30)).strftime("%d.%m.%Y")
    for n, row in enumerate(rows):
        if n % 2:
            row.update(status="declined", reason="no_budget", reason_notes="Rozpočet až příští rok.")
        else:
            row.update(
                status="accepted",
                deal_name=f"Obchod {n}",
                deal_value="12 500,00",
                currency="CZK",
                estimated_close_date=close,
            )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    data = buffer.getvalue().encode("cp1250")
    started, cpu = time.perf_counter(), time.process_time()
    preview = client.post("/leads/import/", {"file": SimpleUploadedFile("leads.csv", data, "text/csv")})
    preview_seconds, preview_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert preview.status_code == 200, preview.status_code
    html = preview.content.decode()
    assert "1000 rows to change" in html or "1,000 rows to change" in html, "the preview did not plan 1,000 changes"
    token = html.split("/leads/import/", 2)[-1].split("/apply/")[0]
    started, cpu = time.perf_counter(), time.process_time()
    applied = client.post(f"/leads/import/{token}/apply/")
    apply_seconds, apply_cpu = time.perf_counter() - started, time.process_time() - cpu
    summary = "1000 rows applied" in applied.content.decode() or "1,000 rows applied" in applied.content.decode()
    return (preview_seconds, preview_cpu), (apply_seconds, apply_cpu), "1,000 applied" if summary else "NOT all"


def measure_api_bulk(client, user) -> tuple[tuple, str]:
    from profiles.api_tokens import api_token_issue

    _token, plain = api_token_issue(user=user, name="triage bench")
    leads = waiting(user, 1000)
    items = [{"id": str(lead.pk), "action": "decline", "reason": "not_a_fit"} for lead in leads]
    import json

    started, cpu = time.perf_counter(), time.process_time()
    response = client.post(
        "/api/v1/leads/bulk",
        data=json.dumps({"items": items}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {plain}"},
    )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    results = response.json()["results"]
    return (seconds, cpu), f"{sum(result['ok'] for result in results):,} of {len(items):,} ok"


def measure_live(client, user, requests: int) -> tuple[float, float, float, float, int]:
    """p50 and p95 of the server's own time (Server-Timing) for an unchanged tab's poll, its CPU time p50 and p95
    (the part no other process's load can stretch), and its queries."""
    import re

    page = client.get("/leads/marketplace/").content.decode()
    url = re.search(r'id="live-poll" hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")
    timings, cpus, queries = [], [], 0
    for _ in range(requests + 20):
        cpu = time.process_time()
        response = client.get(url, headers={"HX-Request": "true"})
        cpus.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 204, response.status_code
        timings.append(float(response["Server-Timing"].split("dur=")[1]))
        queries = int(response["X-Bench-Queries"])
    timings, cpus = sorted(timings[20:]), sorted(cpus[20:])  # the first requests warm the connection and caches
    p95 = int(len(timings) * 0.95) - 1
    return statistics.median(timings), timings[p95], statistics.median(cpus), cpus[p95], queries


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["CELERY_BROKER_URL"] = args.redis_url
    os.environ["BENCH_CACHE_URL"] = args.redis_url
    os.environ.setdefault("SECRET_KEY", "triage-bench-not-secret-" + "x" * 40)
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadhub.settings.bench"
    sys.path.insert(0, str(ROOT))
    prepare(args)
    import django

    django.setup()
    from django.test import Client

    _org, user = seed(args)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    log("live refresh, nothing changed")
    p50, p95, cpu50, cpu95, queries = measure_live(client, user, args.requests)
    log("import of 1,000 rows")
    preview, apply, applied = measure_import(client, user)
    log("API bulk of 1,000 items")
    bulk, bulk_ok = measure_api_bulk(client, user)
    load = os.getloadavg()[0]
    rows = [
        (
            "CSV import, 1,000 rows: preview (parse + compare)",
            f"{preview[0]:.2f} s",
            f"{preview[1]:.2f} s",
            f"≤ {TARGETS['import_preview']} s",
            "Windows-1250, ;",
        ),
        (
            "CSV import, 1,000 rows: apply (each row alone)",
            f"{apply[0]:.2f} s",
            f"{apply[1]:.2f} s",
            f"≤ {TARGETS['import_apply']} s",
            applied,
        ),
        (
            "API POST /leads/bulk, 1,000 declines",
            f"{bulk[0]:.2f} s",
            f"{bulk[1]:.2f} s",
            f"≤ {TARGETS['api_bulk']} s",
            bulk_ok,
        ),
        ("Live refresh, nothing changed: p50", f"{p50:.2f} ms", f"{cpu50:.2f} ms", "", f"{queries} queries"),
        (
            "Live refresh, nothing changed: p95",
            f"{p95:.2f} ms",
            f"{cpu95:.2f} ms",
            f"≤ {TARGETS['live_p95_ms']} ms",
            f"{args.requests} requests",
        ),
    ]
    print(
        f"| triage ({args.leads:,} leads, {args.partners} partners; load average {load:.1f} on "
        f"{os.cpu_count()} cores) | wall (server) | CPU of this process | target | note |"
    )
    print("|---|---|---|---|---|")
    for name, wall, cpu, target, note in rows:
        print(f"| {name} | {wall} | {cpu} | {target} | {note} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
