"""Who uses LeadHub at once, for Locust (headless): `locust -f loadtest/locustfile.py --headless ...`.

The people come from the file LOADTEST_PEOPLE names (loadtest.seed writes it): partner users arrive logged in
(their session cookie), API clients bring their token, customers need nothing. docs/operations.md states the mix
and the think times. When LOADTEST_RESULT names a file, the run writes there, on quitting, per page kind: requests,
p50/p95/p99 and the status codes seen (so a 5xx is told apart from an expected 409 or 429).
"""

import itertools
import json
import os
import random
import re
import statistics
import threading
import time
from collections import Counter, defaultdict
from datetime import date, timedelta

from locust import HttpUser, between, events, task

LEAD_LINK = re.compile(r'href="/leads/([0-9a-f-]{36})/"')
VERSION = re.compile(r'name="version" value="(\d+)"')
PARTNER_LINK = re.compile(r'href="/partners/([a-z0-9-]+)/"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# The suite's short form thinks faster (LOADTEST_THINK_SCALE=0.1) so a few users meet in seconds.
THINK = float(os.environ.get("LOADTEST_THINK_SCALE", "1"))
SEARCH_WORDS = ["cloud", "data", "servers", "Load", "security", "ERP", "migration"]

_people = json.loads(open(os.environ["LOADTEST_PEOPLE"]).read()) if os.environ.get("LOADTEST_PEOPLE") else {}
_lock = threading.Lock()
_partners = itertools.cycle(_people.get("partner_users", []) or [None])
_tokens = itertools.cycle(_people.get("api_tokens", []) or [None])
_visitors = itertools.count(1)
# Status codes per page kind, and requests that came back on the log-in page (a lost session).
STATUSES: dict[str, Counter] = defaultdict(Counter)
# ... and over the whole run, ramp included (what the writes are reconciled with).
ALL_STATUSES: dict[str, Counter] = defaultdict(Counter)
SESSION_LOST = Counter()
# When each server error or failed connection happened (the scale-out test matches them to what it killed).
ERRORS_AT: list[tuple[float, str, int]] = []
# Under the bench settings each answer says how long the app took (Server-Timing) and how many queries it ran.
APP_MS: dict[str, list[float]] = defaultdict(list)
QUERIES: dict[str, list[int]] = defaultdict(list)
SERVER_TIMING = re.compile(r"app;dur=([0-9.]+)")


@events.request.add_listener
def _count(request_type, name, response, exception, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    STATUSES[name][status] += 1
    ALL_STATUSES[name][status] += 1
    if status == 0 or status >= 500:
        ERRORS_AT.append((time.time(), name, status))
    headers = getattr(response, "headers", None) or {}
    timing = SERVER_TIMING.search(headers.get("Server-Timing", ""))
    if timing:
        APP_MS[name].append(float(timing.group(1)))
    if headers.get("X-Bench-Queries", "").isdigit():
        QUERIES[name].append(int(headers["X-Bench-Queries"]))
    location = getattr(response, "headers", {}).get("Location", "") if response is not None else ""
    url = getattr(response, "url", "") or ""
    if "/accounts/login/" in location or "/accounts/login/" in url:
        SESSION_LOST[name] += 1


@events.spawning_complete.add_listener
def _reset(user_count, **kwargs):
    # Only the steady state counts: Locust resets its own statistics here too (--reset-stats).
    STATUSES.clear()
    SESSION_LOST.clear()
    APP_MS.clear()
    QUERIES.clear()


@events.quitting.add_listener
def _write_result(environment, **kwargs):
    path = os.environ.get("LOADTEST_RESULT")
    if not path:
        return
    stats = environment.stats
    kinds = {}
    for (name, _method), entry in sorted(stats.entries.items()):
        if not entry.num_requests:
            continue
        kinds[name] = {
            "requests": entry.num_requests,
            "p50": entry.get_response_time_percentile(0.5),
            "p95": entry.get_response_time_percentile(0.95),
            "p99": entry.get_response_time_percentile(0.99),
            "statuses": {str(code): count for code, count in sorted(STATUSES[name].items())},
            "app_p50": statistics.median(APP_MS[name]) if APP_MS[name] else None,
            "queries": statistics.median(QUERIES[name]) if QUERIES[name] else None,
        }
    total = stats.total
    result = {
        "requests": total.num_requests,
        "seconds": max(total.last_request_timestamp - total.start_time, 0.001) if total.num_requests else 0,
        "p50": total.get_response_time_percentile(0.5),
        "p95": total.get_response_time_percentile(0.95),
        "p99": total.get_response_time_percentile(0.99),
        "kinds": kinds,
        "session_lost": sum(SESSION_LOST.values()),
        "errors_at": ERRORS_AT,
        "all_statuses": {name: {str(k): v for k, v in codes.items()} for name, codes in ALL_STATUSES.items()},
    }
    with open(path, "w") as out:
        json.dump(result, out)


class _Browser(HttpUser):
    abstract = True

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def post(self, path: str, data: dict, name: str, ok=(302, 303), expected=(409,)):
        """A form POST as a browser sends it; `expected` answers (a colleague was quicker) are not failures."""
        with self.client.post(
            path,
            data=data | {"csrfmiddlewaretoken": self.csrf()},
            headers={"Referer": self.host + path, "X-Forwarded-For": self.address},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code in ok or response.status_code in expected:
                response.success()
            else:
                response.failure(f"{response.status_code}")
            return response


class PartnerUser(_Browser):
    """A partner's referrals admin at work: reads a tab, pages, searches, opens a lead and decides it, thinking
    before each action; colleagues in the same organisation go for the same newest leads, so some meet a 409."""

    weight = 6
    wait_time = between(5 * THINK, 15 * THINK)

    def on_start(self):
        with _lock:
            person = next(_partners)
        self.address = "10.1.0.1"
        if person:
            self.client.cookies.set("sessionid", person["sessionid"])
        self.tab = random.choice(["marketplace", "qualified"])
        self.leads: list[str] = []
        self.open_tab()

    def open_tab(self, status: str = "received"):
        page = self.client.get(f"/leads/{self.tab}/?status={status}", name="tab").text
        self.leads = LEAD_LINK.findall(page)
        return self.leads

    @task(4)
    def tab_page(self):
        self.tab = random.choice(["marketplace", "qualified"])
        self.open_tab()

    @task(1)
    def next_page(self):
        self.client.get(f"/leads/{self.tab}/?page=2", name="tab page 2")

    @task(2)
    def search(self):
        self.client.get(f"/leads/{self.tab}/?q={random.choice(SEARCH_WORDS)}", name="search")

    @task(6)
    def decide(self):
        """Open one of the two newest received leads and accept (55 %), decline (30 %) or favourite it."""
        if not self.open_tab():
            return
        lead_id = self.leads[random.randrange(min(2, len(self.leads)))]
        self.wait()
        self.client.get(f"/leads/{lead_id}/", name="lead")
        # Reading the lead before deciding: a colleague may decide it meanwhile (409).
        self.wait()
        roll = random.random()
        if roll < 0.55:
            close = (date.today() + timedelta(days=30)).isoformat()
            deal = {"deal_name": "Load deal", "deal_value": "1000.00", "currency": "EUR", "estimated_close_date": close}
            self.post(f"/leads/{lead_id}/accept/", deal, name="accept")
        elif roll < 0.85:
            self.post(f"/leads/{lead_id}/decline/", {"reason": "not_a_fit", "confirmed": "1"}, name="decline")
        else:
            self.post(f"/leads/{lead_id}/favorite/", {}, name="favourite")

    @task(2)
    def work_a_deal(self):
        """Open an accepted lead and edit its deal (with the version read), or mark it won."""
        accepted = self.open_tab("accepted")
        if not accepted:
            return
        lead_id = random.choice(accepted[:5])
        self.wait()
        page = self.client.get(f"/leads/{lead_id}/", name="lead").text
        self.wait()
        if random.random() < 0.7:
            version = VERSION.search(page)
            close = (date.today() + timedelta(days=45)).isoformat()
            deal = {"deal_name": "Load deal, edited", "deal_value": "1500.00", "currency": "EUR"}
            deal |= {"estimated_close_date": close, "version": version.group(1) if version else ""}
            self.post(f"/leads/{lead_id}/edit/", deal, name="edit")
        else:
            self.post(f"/leads/{lead_id}/win/", {"confirmed": "1"}, name="win")

    @task(1)
    def insights(self):
        self.client.get("/insights/", name="insights")


class Customer(_Browser):
    """Someone looking for a partner: the directory, a search, a partner's page, now and then an inquiry. Each
    customer has an address of its own (X-Forwarded-For), as the rate limit counts per address."""

    weight = 3
    wait_time = between(5 * THINK, 15 * THINK)

    def on_start(self):
        with _lock:
            number = next(_visitors)
        self.address = f"10.2.{number // 250}.{number % 250 + 1}"

    def get(self, path: str, name: str):
        return self.client.get(path, name=name, headers={"X-Forwarded-For": self.address})

    @task(3)
    def browse(self):
        page = self.get("/partners/", "directory").text
        slugs = PARTNER_LINK.findall(page)
        if slugs:
            self.wait()
            self.get(f"/partners/{random.choice(slugs)}/", "partner page")

    @task(2)
    def search(self):
        self.get(f"/partners/?q={random.choice(['cloud', 'data'])}", "directory search")

    @task(1)
    def inquire(self):
        slugs = _people.get("listed") or PARTNER_LINK.findall(self.get("/partners/", "directory").text)
        if not slugs:
            return
        slug = random.choice(slugs)
        page = self.get(f"/partners/{slug}/", "partner page").text
        token = CSRF_INPUT.search(page)
        # Filling in the form.
        self.wait()
        self.wait()
        data = {
            "company": "Load Customer s.r.o.",
            "contact_name": "Load Customer",
            "email": f"buyer{random.randrange(10**6)}@customer.example",
            "need": "We need help moving our servers to the cloud.",
            "country": "CZ",
            "csrfmiddlewaretoken": token.group(1) if token else self.csrf(),
        }
        with self.client.post(
            f"/partners/{slug}/contact/",
            data=data,
            headers={"Referer": f"{self.host}/partners/{slug}/", "X-Forwarded-For": self.address},
            name="inquiry",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # 429: this address has used its hourly allowance (the limit working), not a failure.
            if response.status_code in (302, 429):
                response.success()
            else:
                response.failure(f"{response.status_code}")


class ApiClient(HttpUser):
    """A partner's CRM: polls the received and accepted leads, keeps each lead's ETag, and writes its CRM id to
    an accepted lead with If-Match (a 412 means someone changed it meanwhile: it polls again)."""

    weight = 1
    wait_time = between(10 * THINK, 20 * THINK)

    def on_start(self):
        with _lock:
            token = next(_tokens)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.etags: dict[str, str] = {}

    @task(3)
    def poll(self):
        response = self.client.get(
            "/api/v1/leads?status=received&status=accepted&limit=25", headers=self.headers, name="api list"
        )
        if response.status_code != 200:
            return
        changed = []
        for item in response.json()["items"]:
            if self.etags.get(item["id"]) != item["etag"]:
                changed.append(item)
            self.etags[item["id"]] = item["etag"]
        for item in changed[:1]:
            self.client.get(f"/api/v1/leads/{item['id']}", headers=self.headers, name="api lead")

    @task(1)
    def write_crm_id(self):
        response = self.client.get("/api/v1/leads?status=accepted&limit=10", headers=self.headers, name="api list")
        items = response.json()["items"] if response.status_code == 200 else []
        if not items:
            return
        item = random.choice(items)
        with self.client.patch(
            f"/api/v1/leads/{item['id']}",
            json={"crm_id": f"CRM-{random.randrange(10**6)}"},
            headers=self.headers | {"If-Match": item["etag"]},
            name="api update",
            catch_response=True,
        ) as answer:
            if answer.status_code in (200, 409, 412):
                answer.success()
            else:
                answer.failure(f"{answer.status_code}")
