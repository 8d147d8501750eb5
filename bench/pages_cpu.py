"""The server CPU of the costliest pages, measured in-process: a partner's Marketplace tab (25 rows) and a lead's page
(a received lead with its accept and decline forms, an accepted lead with its team, notes, history and the edit,
lose and team forms), in English and Czech; beside them the Fortunes-style reference view of `make bench-core`.

    .venv/bin/python bench/pages_cpu.py [--requests 300] [--profile tab|received|accepted] [--dump DIR]

Each request goes through the WSGI application gunicorn loads (leadhub.wsgi) with the middleware of
leadhub.settings.bench (production's choices: no DEBUG, sessions read from Redis, persistent database connections;
without the bench's timing header), logged in with a session and a CSRF cookie as a browser sends them. The figure
is this process's CPU time (time.process_time) per request, the median (and the least) of --rounds blocks of
--requests each, so the database's and Redis's own CPU is not in it. The database (default leadhub_pages_bench,
PAGES_BENCH_DATABASE_URL) is seeded once with seed_bulk and kept; --fresh seeds it again.

--code DIR measures another checkout (a worktree of main, say) with the same data: on a busy machine, run the two
alternately a few times and compare the least figures. --dump writes each page's HTML (CSRF tokens replaced by a
placeholder) so two checkouts can be compared with diff; --profile prints cProfile's top functions for one page.
"""

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import ensure_database, log  # noqa: E402 - bench/ is put on the path first

PREFIX = "pages"
BENCH_MARK = "pages-bench"  # the CRM id of the accepted lead this bench makes, so later runs find it again
PAGES = ("tab", "received", "accepted", "fortunes")
LANGUAGES = ("en", "cs")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("PAGES_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leadhub_pages_bench"),
    )
    parser.add_argument("--cache-url", default=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/7"))
    parser.add_argument("--broker-url", default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/6"))
    parser.add_argument("--leads", type=int, default=20_000, help="leads seed_bulk makes (the first run only)")
    parser.add_argument("--partners", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300, help="requests per round and page")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", default=",".join(PAGES), help="which of tab, received, accepted")
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--profile", choices=PAGES, help="print cProfile's top functions for this page (English)")
    parser.add_argument("--top", type=int, default=25, help="functions the profile prints")
    parser.add_argument("--dump", type=Path, help="write each page's HTML into this directory")
    parser.add_argument("--fresh", action="store_true", help="drop the database first and seed it again")
    parser.add_argument("--code", type=Path, help="measure the app of another checkout (e.g. a worktree of main)")
    return parser.parse_args(argv)


def setup_django(args) -> None:
    if args.code:  # from its own directory, as gunicorn runs it (Celery's Django fixup puts the cwd first on the path)
        if args.dump:
            args.dump = args.dump.resolve()
        sys.path.insert(0, str(args.code.resolve()))
        os.chdir(args.code)
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadhub.settings.bench"
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["CELERY_BROKER_URL"] = args.broker_url
    os.environ["BENCH_CACHE_URL"] = args.cache_url
    import django

    django.setup()
    from django.conf import settings

    import leads

    log(f"measuring the code in {Path(leads.__file__).parent.parent}")
    # The bench's own timing middleware is not part of what production runs.
    settings.MIDDLEWARE = [entry for entry in settings.MIDDLEWARE if not entry.startswith("leadhub.bench_views.")]


def prepare(args) -> dict:
    """Seed once; make (once) the accepted lead with a team, notes and a history; return the pages' paths."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from leadhub.bench_views import create_fortune_table
    from leads import services
    from leads.models import Lead
    from profiles.models import Organisation

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        create_fortune_table(cursor)
    if not Organisation.objects.filter(slug__startswith=f"{PREFIX}-").exists():
        log(f"seeding {args.leads:,} leads for {args.partners} partners (once; later runs reuse them)")
        call_command("seed_bulk", leads=args.leads, partners=args.partners, prefix=PREFIX, verbosity=0)
    partner = (
        Organisation.objects.filter(slug__startswith=f"{PREFIX}-")
        .annotate(n=Count("leads"))
        .order_by("-n", "slug")
        .first()
    )
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=f"{partner.slug}-admin")
    waiting = Lead.objects.filter(partner=partner, status="received", tab="marketplace", contact_requested=False)
    accepted = Lead.objects.filter(partner=partner, crm_id=BENCH_MARK).first()
    if accepted is None:
        lead = waiting.order_by("-received_at")[1]
        services.lead_accept(
            lead=lead,
            by=user,
            deal_name="Cloud migration, phase 1",
            deal_value="48000.00",
            currency="EUR",
            estimated_close_date=(lead.received_at.date().replace(year=lead.received_at.year + 1)),
            team=[
                {"name": "Jana Nováková", "email": "jana@partner.example", "phone": "+420 601 000 001"},
                {"name": "Petr Svoboda", "email": "petr@partner.example", "phone": ""},
            ],
        )
        services.lead_update_deal(
            lead=lead,
            by=user,
            deal_name="Cloud migration, phase 1",
            deal_value="52000.00",
            currency="EUR",
            estimated_close_date=lead.received_at.date().replace(year=lead.received_at.year + 1),
            notes="Call back after the board meeting.\nThey want <b>two</b> quotes & a pilot.",
            crm_id=BENCH_MARK,
            campaign_id="spring-2025",
        )
        accepted = Lead.objects.get(pk=lead.pk)
    received = waiting.exclude(pk=accepted.pk).order_by("-received_at").first()
    return {
        "user": user,
        "paths": {
            "tab": "/leads/marketplace/",
            "received": f"/leads/{received.pk}/",
            "accepted": f"/leads/{accepted.pk}/",
            "fortunes": "/bench/fortunes/",  # make bench-core's reference, requested without cookies as there
        },
    }


class Browser:
    """A logged-in browser talking to Django's WSGI handler directly, as gunicorn does."""

    def __init__(self, user, language: str):
        from django.conf import settings
        from django.test import Client

        from leadhub.wsgi import application  # what gunicorn loads (and whatever it does once loaded)

        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        self.handler = application
        self.cookies = {
            settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
            settings.LANGUAGE_COOKIE_NAME: language,
        }
        self.get("/leads/marketplace/")  # takes the CSRF cookie, as a browser would after its first page

    def get(self, path: str) -> tuple[int, bytes]:
        from django.test.client import RequestFactory

        cookies = {} if path == "/bench/fortunes/" else self.cookies
        environ = RequestFactory(HTTP_HOST="127.0.0.1")._base_environ(
            PATH_INFO=path,
            REQUEST_METHOD="GET",
            HTTP_COOKIE="; ".join(f"{key}={value}" for key, value in cookies.items()),
            HTTP_ACCEPT="text/html",
            HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9",
            HTTP_USER_AGENT="Mozilla/5.0 (bench)",
        )
        environ["wsgi.input"] = io.BytesIO(b"")
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = int(status.split()[0]), headers

        result = self.handler(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            result.close()
        for name, value in answer["headers"] if cookies else ():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return answer["status"], body


def cpu_per_request(browser: Browser, path: str, requests: int) -> tuple[float, float]:
    """Milliseconds of this process's CPU, and of wall time, per request over `requests` requests."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(requests):
        status, _body = browser.get(path)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}")
    return (time.process_time() - cpu) * 1000 / requests, (time.perf_counter() - wall) * 1000 / requests


def queries_of(browser: Browser, path: str) -> int:
    from django.db import connection

    count = 0

    def counted(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        browser.get(path)
    return count


def normalised(body: bytes) -> str:
    """The page with its per-request CSRF tokens replaced, so two runs can be compared with diff."""
    text = body.decode()
    text = re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+"', r'\1CSRF"', text)
    return re.sub(r'("X-CSRFToken": ")[^"]+"', r'\1CSRF"', text)


def profile(browser: Browser, path: str, requests: int, top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        browser.get(path)
    profiler.disable()
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(order).print_stats(top)
        print(f"\n--- {path}: top {top} by {order} over {requests} requests ---")
        print(out.getvalue().split("\n", 6)[-1].rstrip())


def main(argv=None) -> int:
    args = parse_args(argv)
    ensure_database(args.database_url, fresh=args.fresh)
    setup_django(args)
    scene = prepare(args)
    pages = [page for page in args.pages.split(",") if page]
    languages = [language for language in args.languages.split(",") if language]
    browsers = {language: Browser(scene["user"], language) for language in languages}
    for browser in browsers.values():  # warm every cache (templates, translations, connections)
        for page in pages:
            cpu_per_request(browser, scene["paths"][page], 20)
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
        for language, browser in browsers.items():
            for page in pages:
                (args.dump / f"{page}-{language}.html").write_text(normalised(browser.get(scene["paths"][page])[1]))
        log(f"pages written to {args.dump}")
    if args.profile:
        profile(browsers.get("en") or next(iter(browsers.values())), scene["paths"][args.profile], 200, args.top)
        return 0
    results = {(page, language): [] for page in pages for language in languages}
    for _round in range(args.rounds):  # pages take turns, so a busy moment on the machine touches them alike
        for page in pages:
            for language in languages:
                results[page, language].append(cpu_per_request(browsers[language], scene["paths"][page], args.requests))
    print(f"\nCPU per request in this process: median (and least) of {args.rounds} rounds of {args.requests} requests")
    print("'÷ ref': the page's CPU over the Fortunes-style reference's, measured in the same rounds")
    print(
        f"{'page':<10} {'lang':<4} {'cpu ms':>7} {'least':>6} {'wall ms':>8} {'÷ ref':>6} {'queries':>8} {'bytes':>7}"
    )
    for page in pages:
        for language in languages:
            cpu = statistics.median(figure[0] for figure in results[page, language])
            least = min(figure[0] for figure in results[page, language])
            wall = statistics.median(figure[1] for figure in results[page, language])
            reference = results.get(("fortunes", language))
            ratio = f"{cpu / statistics.median(figure[0] for figure in reference):6.1f}" if reference else f"{'':6}"
            browser, path = browsers[language], scene["paths"][page]
            size = len(browser.get(path)[1])
            queries = queries_of(browser, path)
            print(f"{page:<10} {language:<4} {cpu:7.2f} {least:6.2f} {wall:8.2f} {ratio} {queries:8d} {size:7d}")
    print("\n".join(f"  {page}: {path}" for page, path in scene["paths"].items() if page in pages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
