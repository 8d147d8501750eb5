"""Load test on 127.0.0.1: N users triage leads for a bounded time through gunicorn, racing in pairs for the same leads.

Usage (from the project root): `python -m loadtest.run --users 50 --seconds 60` (what `make loadtest` runs).
It creates its own database (`leadhub_load` by default), seeds it, starts gunicorn on 127.0.0.1, runs the users,
verifies the data (every lead decided at most once, history consistent with final states) and prints a summary.
"""

import argparse
import http.cookiejar
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-password"
LEAD_LINK = re.compile(r'href="/leads/([0-9a-f-]{36})/"')


def seed(*, organisations: int, users_per_org: int, leads_per_org: int) -> list[str]:
    """Organisations, partner users and received leads; returns the usernames. Needs Django set up."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from leads.models import Customer, Lead
    from leads.services import leads_search_index
    from profiles.models import Membership, Organisation, Role

    User = get_user_model()
    usernames = []
    now = timezone.now()
    for o in range(organisations):
        org, _ = Organisation.objects.get_or_create(slug=f"load-{o}", defaults={"name": f"Load Partner {o}"})
        for u in range(users_per_org):
            username = f"load-{o}-{u}"
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(PASSWORD)
                user.save()
                Membership.objects.create(
                    user=user, organisation=org, role=Role.PARTNER_ADMIN if u % 2 == 0 else Role.REFERRALS_ADMIN
                )
            usernames.append(username)
        customers = Customer.objects.bulk_create(
            Customer(company=f"Load Customer {o}-{i}", contact_name="Load Contact", email=f"c{o}-{i}@load.example")
            for i in range(leads_per_org)
        )
        leads_search_index(
            Lead.objects.bulk_create(
                Lead(
                    partner=org,
                    customer=customer,
                    lead_type="customer_inquiry" if i % 2 else "sales_qualified",
                    need="Load test need",
                    received_at=now - timedelta(minutes=i),
                    respond_by=now + timedelta(days=13),
                    referred_by_email="seller@vendor.example",
                )
                for i, customer in enumerate(customers)
            )
        )
    return usernames


class VirtualUser(threading.Thread):
    """One person: logs in, then reads tabs and leads and accepts, declines, wins or favourites until time is up."""

    def __init__(self, base_url, username, deadline, max_requests, rng_seed, results, lock):
        super().__init__(daemon=True)
        self.base_url, self.username, self.deadline = base_url, username, deadline
        self.max_requests = max_requests
        self.rng = random.Random(rng_seed)
        self.results, self.lock = results, lock
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.sent = 0

    def _csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def request(self, method, path, data=None, kind="read"):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base_url + path, data=body, method=method)
        if method == "POST":
            req.add_header("X-CSRFToken", self._csrf())
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        started = time.perf_counter()
        try:
            with self.opener.open(req, timeout=30) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError) as exc:
            status, text = 599, str(exc)
        elapsed = time.perf_counter() - started
        self.sent += 1
        with self.lock:
            self.results.append((kind, status, elapsed, path))
        return status, text

    def run(self):
        self.request("GET", "/accounts/login/", kind="login")
        self.request("POST", "/accounts/login/", {"username": self.username, "password": PASSWORD}, kind="login")
        close = (date.today() + timedelta(days=30)).isoformat()
        while time.monotonic() < self.deadline and self.sent < self.max_requests:
            tab = self.rng.choice(["marketplace", "qualified"])
            _, page = self.request("GET", f"/leads/{tab}/?status=received")
            lead_ids = LEAD_LINK.findall(page)
            if not lead_ids:
                self.request("GET", f"/leads/{tab}/?status=accepted")
                continue
            # Everyone in an organisation goes for the newest leads first, so colleagues race for the same ones.
            lead_id = lead_ids[self.rng.randrange(min(2, len(lead_ids)))]
            self.request("GET", f"/leads/{lead_id}/")
            roll = self.rng.random()
            if roll < 0.55:
                self.request(
                    "POST",
                    f"/leads/{lead_id}/accept/",
                    {
                        "deal_name": f"Deal by {self.username}",
                        "deal_value": "1000.00",
                        "currency": "EUR",
                        "estimated_close_date": close,
                    },
                    kind="accept",
                )
            elif roll < 0.8:
                self.request("POST", f"/leads/{lead_id}/decline/", {"reason": "not_a_fit"}, kind="decline")
            elif roll < 0.9:
                self.request("POST", f"/leads/{lead_id}/favorite/", {}, kind="favorite")
            else:
                _, accepted = self.request("GET", f"/leads/{tab}/?status=accepted")
                won = LEAD_LINK.findall(accepted)
                if won:
                    self.request("POST", f"/leads/{won[0]}/win/", {}, kind="win")


def run_users(base_url: str, usernames: list[str], *, seconds: float, max_requests_per_user: int = 10_000):
    results, lock = [], threading.Lock()
    deadline = time.monotonic() + seconds
    users = [
        VirtualUser(base_url, name, deadline, max_requests_per_user, i, results, lock)
        for i, name in enumerate(usernames)
    ]
    started = time.monotonic()
    for user in users:
        user.start()
    for user in users:
        user.join(seconds + 60)
    return results, time.monotonic() - started


def verify() -> dict:
    """Every lead decided at most once; every lead's final status is where its history says it went."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM (
                SELECT lead_id FROM leads_leadevent WHERE action IN ('accept', 'decline')
                GROUP BY lead_id HAVING count(*) > 1) twice
        """)
        decided_twice = cursor.fetchone()[0]
        cursor.execute("""
            SELECT count(*) FROM leads_lead l
            WHERE l.status <> COALESCE((
                SELECT e.to_status FROM leads_leadevent e
                WHERE e.lead_id = l.id AND e.to_status <> ''
                ORDER BY e.at DESC, e.id DESC LIMIT 1), 'received')
        """)
        inconsistent = cursor.fetchone()[0]
        cursor.execute("SELECT status, count(*) FROM leads_lead GROUP BY status")
        statuses = dict(cursor.fetchall())
    return {"decided_twice": decided_twice, "inconsistent_history": inconsistent, "statuses": statuses}


def summarise(results, wall_seconds: float) -> dict:
    statuses = Counter(status for _, status, _, _ in results)
    latencies = sorted(elapsed for _, _, elapsed, _ in results)
    p95 = latencies[int(len(latencies) * 0.95) - 1] if latencies else 0.0
    return {
        "requests": len(results),
        "requests_per_second": round(len(results) / wall_seconds, 1) if wall_seconds else 0,
        "server_errors": sum(count for status, count in statuses.items() if status >= 500),
        "conflicts_409": statuses.get(409, 0),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else 0,
        "p95_ms": round(p95 * 1000, 1),
        "by_status": dict(sorted(statuses.items())),
        "writes": dict(Counter(kind for kind, _, _, _ in results if kind not in ("read", "login"))),
    }


def start_gunicorn(*, port: int, env: dict, workers: int = 2, threads: int = 8) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "leadhub.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2):
                return process
        except (urllib.error.URLError, OSError):
            if process.poll() is not None:
                raise RuntimeError("gunicorn exited during start-up")
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 30 s")


def server_env(database_url: str, settings_module: str = "leadhub.settings.test") -> dict:
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LEADHUB_LOGIN_MAX_FAILURES": "1000",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=8170)
    parser.add_argument("--database", default="leadhub_load")
    parser.add_argument(
        "--settings",
        default="leadhub.settings.bench",
        help="settings of the server under load (default: production's choices over plain HTTP)",
    )
    args = parser.parse_args()

    database_url = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    os.environ.update(server_env(database_url, args.settings))
    import django
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    organisations = max(1, args.users // 10)
    usernames = seed(organisations=organisations, users_per_org=-(-args.users // organisations), leads_per_org=600)
    usernames = usernames[: args.users]
    server = start_gunicorn(port=args.port, env=server_env(database_url, args.settings))
    try:
        results, wall = run_users(f"http://127.0.0.1:{args.port}", usernames, seconds=args.seconds)
    finally:
        server.terminate()
        server.wait(30)
    summary = summarise(results, wall) | verify()
    width = max(len(key) for key in summary)
    print(f"Load test: {args.users} users for {args.seconds:.0f} s on 127.0.0.1:{args.port}")
    for key, value in summary.items():
        print(f"  {key:<{width}}  {value}")
    ok = summary["server_errors"] == 0 and summary["decided_twice"] == 0 and summary["inconsistent_history"] == 0
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
