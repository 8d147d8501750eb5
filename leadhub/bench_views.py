"""Bench-only pieces: the Fortunes-style reference view and a middleware reporting server time and query count."""

import time

from django.db import connection
from django.http import HttpResponse
from django.template import engines

FORTUNE_TABLE = "bench_fortune"
FORTUNES = [
    "fortune: No such file or directory",
    "A computer scientist is someone who fixes things that aren't broken.",
    "After enough decimal places, nobody gives a damn.",
    "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
    "A computer program does what you tell it to do, not what you want it to do.",
    "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
    "Any program that runs right is obsolete.",
    "A list is only as strong as its weakest link. — Donald Knuth",
    "Feature: A bug with seniority.",
    "Computers make very fast, very accurate mistakes.",
    '<script>alert("This should not be displayed in a browser alert box.");</script>',
    "フレームワークのベンチマーク",
]
# The TechEmpower Fortunes page, rendered by the same Django template engine (autoescaping on) as the app's pages.
TEMPLATE = engines["django"].from_string(
    "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>"
    "{% for fortune in fortunes %}<tr><td>{{ fortune.0 }}</td><td>{{ fortune.1 }}</td></tr>{% endfor %}"
    "</table></body></html>"
)


def create_fortune_table(cursor) -> None:
    """The reference's 12-row table; the bench creates it in the bench database only."""
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {FORTUNE_TABLE} (id integer PRIMARY KEY, message text NOT NULL)")
    cursor.execute(f"SELECT count(*) FROM {FORTUNE_TABLE}")
    if cursor.fetchone()[0] == 0:
        cursor.executemany(
            f"INSERT INTO {FORTUNE_TABLE} (id, message) VALUES (%s, %s)", list(enumerate(FORTUNES, start=1))
        )


def fortunes(request):
    """One query of 12 rows, one added at request time, sorted by message, rendered through an escaping template."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, message FROM {FORTUNE_TABLE}")
        rows = cursor.fetchall()
    rows.append((0, "Additional fortune added at request time."))
    rows.sort(key=lambda row: row[1])
    return HttpResponse(TEMPLATE.render({"fortunes": rows}))


class ServerTimingMiddleware:
    """Outermost middleware: adds `Server-Timing: app;dur=<ms>` and `X-Bench-Queries: <n>` to every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        response["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        response["X-Bench-Queries"] = str(queries)
        return response
