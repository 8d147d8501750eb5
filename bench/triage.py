"""Triage figures (DESIGN §11): a 1,000-row CSV import (preview, then apply), a 1,000-item API bulk, and the live
refresh's server time when nothing changed. Prints one table: measure, target, result (wall), CPU (this process and
its PostgreSQL backend, read from /proc: the part the machine's other load cannot stretch) and ok or MISSED.

Runs in-process against a database of its own (never leadhub_bench, which `make bench` and others read), seeded
once with --leads leads over --partners partners; each run decides 2,000 of the measured partner's waiting leads
and adds new ones first, so it runs again and again on the same database (`make bench-triage`).

    .venv/bin/python bench/triage.py [--leads 100000] [--fresh] [--database-url postgres://…] [--redis-url redis://…]
"""

import argparse
import csv
import io
import json
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from run import ensure_database  # bench/run.py: the bench's own database helpers  # noqa: E402

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
    ensure_database(args.database_url, fresh=args.fresh)
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
    top_up(org)
    user = Membership.objects.filter(organisation=org, role=Role.PARTNER_ADMIN).first()
    if user is None:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_user("triage-bench-admin", password="bench-password-123")
        Membership.objects.create(user=user, organisation=org, role=Role.PARTNER_ADMIN)
    else:
        user = user.user
    return org, user


def top_up(org, wanted: int = 2000) -> None:
    """Each run decides 2,000 of the measured partner's waiting marketplace leads: add new ones (newest, so the run
    takes them) until 2,000 wait, so the bench runs again and again on the same database."""
    from django.utils import timezone

    from leads.models import Customer, Lead, LeadType, Status

    short = wanted - Lead.objects.filter(partner=org, status=Status.RECEIVED, tab="marketplace").count()
    if short <= 0:
        return
    log(f"adding {short:,} waiting leads")
    now = timezone.now()
    stamp = now.strftime("%Y%m%d%H%M%S")
    customers = Customer.objects.bulk_create(
        [
            Customer(company=f"Fresh {stamp}-{n}", contact_name="Jana Nováková", email=f"jana@fresh{stamp}-{n}.example")
            for n in range(short)
        ]
    )
    Lead.objects.bulk_create(
        [
            Lead(
                partner=org,
                customer=customer,
                need="Bench need: a cloud migration.",
                lead_type=LeadType.CUSTOMER_INQUIRY,
                received_at=now - timedelta(seconds=n + 1),
                respond_by=now + timedelta(days=14),
            )
            for n, customer in enumerate(customers)
        ]
    )


def backend_cpu() -> float:
    """CPU seconds the PostgreSQL backend serving this process has used so far (it runs on this machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def waiting(user, count: int, offset: int = 0) -> list:
    from leads.models import Status
    from leads.selectors import lead_queryset_for

    return list(
        lead_queryset_for(user)
        .filter(status=Status.RECEIVED, tab="marketplace")
        .order_by("-received_at", "-id")[offset : offset + count]
    )


class Timed:
    """Wall time, this process's CPU time and its PostgreSQL backend's CPU time over a `with` block."""

    def __enter__(self):
        self.db_cpu, self.cpu, self.started = backend_cpu(), time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.started, time.process_time() - self.cpu
        self.db_cpu = backend_cpu() - self.db_cpu


def measure_import(client, user) -> tuple[Timed, Timed, str]:
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
    with Timed() as preview_time:
        preview = client.post("/leads/import/", {"file": SimpleUploadedFile("leads.csv", data, "text/csv")})
    assert preview.status_code == 200, preview.status_code
    html = preview.content.decode()
    assert "1000 rows to change" in html or "1,000 rows to change" in html, "the preview did not plan 1,000 changes"
    token = html.split("/leads/import/", 2)[-1].split("/apply/")[0]
    with Timed() as apply_time:
        applied = client.post(f"/leads/import/{token}/apply/")
    summary = "1000 rows applied" in applied.content.decode() or "1,000 rows applied" in applied.content.decode()
    return preview_time, apply_time, "1,000 applied" if summary else "NOT all applied"


def measure_api_bulk(client, user) -> tuple[Timed, str, bool]:
    from profiles.api_tokens import api_token_issue

    _token, plain = api_token_issue(user=user, name="triage bench")
    leads = waiting(user, 1000)
    items = [{"id": str(lead.pk), "action": "decline", "reason": "not_a_fit"} for lead in leads]
    with Timed() as timed:
        response = client.post(
            "/api/v1/leads/bulk",
            data=json.dumps({"items": items}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {plain}"},
        )
    ok = sum(result["ok"] for result in response.json()["results"])
    return timed, f"{ok:,} of {len(items):,} ok", ok == len(items)


def measure_live(client, user, requests: int) -> dict:
    """p50 and p95 of the server's own time (Server-Timing) for an unchanged tab's poll, this process's CPU time per
    request (the part no other process's load can stretch), the database backend's CPU over all of them, and the
    queries per request."""
    page = client.get("/leads/marketplace/").content.decode()
    url = re.search(r'id="live-poll" hx-get="([^"]+)"', page).group(1).replace("&amp;", "&")
    timings, cpus, queries = [], [], 0
    for _ in range(20):  # the first requests warm the connection and caches
        client.get(url, headers={"HX-Request": "true"})
    db_cpu = backend_cpu()
    for _ in range(requests):
        cpu = time.process_time()
        response = client.get(url, headers={"HX-Request": "true"})
        cpus.append((time.process_time() - cpu) * 1000)
        assert response.status_code == 204, response.status_code
        timings.append(float(response["Server-Timing"].split("dur=")[1]))
        queries = int(response["X-Bench-Queries"])
    db_ms = (backend_cpu() - db_cpu) * 1000 / requests
    timings, cpus = sorted(timings), sorted(cpus)
    p95 = int(len(timings) * 0.95) - 1
    return {
        "p50": statistics.median(timings),
        "p95": timings[p95],
        "cpu50": statistics.median(cpus),
        "cpu95": cpus[p95],
        "db_ms": db_ms,
        "queries": queries,
    }


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
    live = measure_live(client, user, args.requests)
    log("import of 1,000 rows")
    preview, apply, applied = measure_import(client, user)
    log("API bulk of 1,000 items")
    bulk, bulk_note, bulk_ok = measure_api_bulk(client, user)
    load = os.getloadavg()

    def seconds(timed: Timed) -> tuple[str, str]:
        return f"{timed.wall:.2f} s", f"{timed.cpu:.2f} s + db {timed.db_cpu:.2f} s"

    def verdict(value: float, target: float, done: bool = True) -> str:
        return "ok" if value <= target and done else "MISSED"

    rows = [
        (
            "CSV import, 1,000 rows: preview",
            f"≤ {TARGETS['import_preview']:g} s",
            *seconds(preview),
            verdict(preview.wall, TARGETS["import_preview"]),
            "Windows-1250, ;",
        ),
        (
            "CSV import, 1,000 rows: apply",
            f"≤ {TARGETS['import_apply']:g} s",
            *seconds(apply),
            verdict(apply.wall, TARGETS["import_apply"], applied == "1,000 applied"),
            f"{applied} (500 accepts, 500 declines)",
        ),
        (
            "API POST /leads/bulk, 1,000 declines",
            f"≤ {TARGETS['api_bulk']:g} s",
            *seconds(bulk),
            verdict(bulk.wall, TARGETS["api_bulk"], bulk_ok),
            bulk_note,
        ),
        (
            "Live refresh, nothing changed: p50",
            "",
            f"{live['p50']:.2f} ms",
            f"{live['cpu50']:.2f} ms + db {live['db_ms']:.2f} ms",
            "",
            f"{live['queries']} queries",
        ),
        (
            "Live refresh, nothing changed: p95",
            f"≤ {TARGETS['live_p95_ms']:g} ms",
            f"{live['p95']:.2f} ms",
            f"{live['cpu95']:.2f} ms",
            verdict(live["p95"], TARGETS["live_p95_ms"]),
            f"{args.requests} requests",
        ),
    ]
    print(
        f"triage bench: {args.leads:,} leads, {args.partners} partners; load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} cores"
    )
    print("| measure | target | result (wall) | CPU (this process + its database backend) | | note |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
