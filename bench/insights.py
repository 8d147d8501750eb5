"""Time the insights at bench scale: the largest partner's and all partners' 365-day figures, and the league.

Read-only: it opens the bench database (DATABASE_URL, default leadhub_bench, seeded by `make bench`) in read-only
transactions, and times what the API and the page compute — the selectors and the API's JSON — without HTTP
(auth and routing add about a millisecond). Run from the repository root:

    DJANGO_SETTINGS_MODULE=leadhub.settings.bench .venv/bin/python bench/insights.py [--runs 30]
"""
import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS_MS = {"partner_365": 150.0, "ops_365": 500.0, "league_365": 500.0}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadhub.settings.bench")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count

    from insights.api import insights_json
    from insights.league import partner_league
    from insights.period import last_days
    from insights.selectors import insights_for
    from leads.models import Lead
    from profiles.models import Membership, Organisation

    with connection.cursor() as cursor:
        cursor.execute("SET default_transaction_read_only = on")
    largest_id = (Lead.objects.order_by().values("partner_id").annotate(n=Count("pk"))
                  .order_by("-n").values_list("partner_id", flat=True).first())
    if largest_id is None:
        print("The bench database has no leads: run `make bench` once to seed it.", file=sys.stderr)
        return 1
    largest = Organisation.objects.get(pk=largest_id)
    user_model = get_user_model()
    # Unsaved users: the tenant gate reads only is_active, is_staff and membership, and nothing is written.
    ops = user_model(username="bench-ops", is_staff=True, is_active=True)
    partner_user = user_model(username="bench-partner", is_active=True)
    partner_user.membership = Membership(organisation=largest, role="partner_admin")
    period = last_days(args.days)
    cases = {
        f"partner_{args.days}": lambda: json.dumps(insights_json(insights_for(partner_user, period=period,
                                                                              partner=largest))),
        f"ops_{args.days}": lambda: json.dumps(insights_json(insights_for(ops, period=period))),
        f"league_{args.days}": lambda: partner_league(ops, period=period, sort="-expired_share"),
    }
    leads = Lead.objects.filter(received_at__gte=period.start_at, received_at__lt=period.end_at)
    print(f"leads in the table: {Lead.objects.count():,}; in the period: {leads.count():,}; "
          f"largest partner ({largest.slug}) in the period: {leads.filter(partner=largest).count():,}")
    print(f"{'case':<14} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'target p95':>11}")
    for name, run in cases.items():
        run()  # warm: the first run reads the pages from disk
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            run()
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
        target = TARGETS_MS.get(name)
        print(f"{name:<14} {statistics.median(timings):>8.1f} {p95:>8.1f} {timings[-1]:>8.1f} "
              f"{f'≤ {target:.0f}' if target else '':>11}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
