"""The lead CSV export's cost in English and in Czech (labels, country names, decimal comma): 100,000 leads of one
partner streamed whole, wall and CPU time of this process (PostgreSQL's own share is in another process).

Runs in-process against a database of its own, seeded once. --code runs another checkout's export over the same
database (e.g. the code before a change), so the two are compared on one machine:

    .venv/bin/python bench/export_csv.py [--leads 100000] [--fresh] [--code /work/main]
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from run import ensure_database  # bench/run.py: the bench's own database helpers  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("EXPORT_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leadhub_export_bench"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("EXPORT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="exports per language; the fastest counts")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose export is measured")
    parser.add_argument("--fresh", action="store_true", help="drop the database first and seed it again")
    return parser.parse_args(argv)


def prepare(args) -> None:
    ensure_database(args.database_url, fresh=args.fresh)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=args.code, check=True, env=os.environ)


def seed(leads: int):
    """One partner with `leads` leads in every status (reasons, deals, countries as real data has them)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from leads.models import Customer, Lead
    from profiles.models import Membership, Organisation, Role

    org, _ = Organisation.objects.get_or_create(slug="export-bench", defaults={"name": "Export Bench"})
    user, created = get_user_model().objects.get_or_create(username="export-bench-admin")
    if created:
        Membership.objects.create(user=user, organisation=org, role=Role.PARTNER_ADMIN)
    have = Lead.objects.filter(partner=org).count()
    if have < leads:
        customer = Customer.objects.create(
            company="Pekárna & syn", contact_name="Jana Nováková", email="jana@pekarna.example", country="CZ"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {Lead._meta.db_table} (id, partner_id, lead_type, customer_id, need, referred_by_email,
                    received_at, respond_by, contact_requested, is_hot, status, deal_name, deal_value, currency,
                    notes, crm_id, campaign_id, reason, reason_notes, version, created_at, updated_at)
                SELECT gen_random_uuid(), %(partner)s,
                       (ARRAY['customer_inquiry','marketing_qualified'])[1 + n %% 2], %(customer)s,
                       'Potřebujeme přesun serverů do cloudu, č. ' || n, 'seller@vendor.example',
                       now() - n * interval '1 minute', now() + interval '14 days', n %% 5 = 0, false,
                       (ARRAY['received','accepted','declined','won','lost'])[1 + n %% 5],
                       CASE WHEN n %% 5 IN (1, 3, 4) THEN 'Obchod ' || n ELSE '' END,
                       CASE WHEN n %% 5 IN (1, 3, 4) THEN 12500.50 END, 'CZK', '', '', '',
                       CASE n %% 5 WHEN 2 THEN 'not_a_fit' WHEN 4 THEN 'no_budget' ELSE '' END, '', 1, now(), now()
                FROM generate_series(%(first)s, %(last)s) AS n
                """,
                {"partner": org.pk, "customer": customer.pk, "first": have + 1, "last": leads},
            )
    return user


def measure(user, language: str, runs: int) -> tuple[float, float, int]:
    """The fastest of `runs` whole exports: wall seconds, CPU seconds of this process, bytes."""
    from django.utils import translation

    from leads.selectors import ListFilters, lead_list_for
    from leads.web.export import export_rows

    best = None
    for _ in range(runs):
        leads = lead_list_for(user, tab="marketplace", filters=ListFilters())
        started, cpu, size = time.perf_counter(), time.process_time(), 0
        with translation.override(language):
            for piece in export_rows(leads, user):
                size += len(piece)
        result = (time.perf_counter() - started, time.process_time() - cpu, size)
        best = result if best is None or result[0] < best[0] else best
    return best


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["CELERY_BROKER_URL"] = args.redis_url
    os.environ["BENCH_CACHE_URL"] = args.redis_url
    os.environ.setdefault("SECRET_KEY", "export-bench-not-secret-" + "x" * 40)
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadhub.settings.bench"
    sys.path.insert(0, str(args.code.resolve()))
    prepare(args)
    import django

    django.setup()
    user = seed(args.leads)
    print(
        f"| CSV export, {args.leads:,} leads ({args.code}; load average {os.getloadavg()[0]:.1f}) | wall | CPU | size |"
    )
    print("|---|---|---|---|")
    for language in ("en", "cs"):
        wall, cpu, size = measure(user, language, args.runs)
        print(f"| {language} | {wall:.2f} s | {cpu:.2f} s | {size / 2**20:.1f} MiB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
