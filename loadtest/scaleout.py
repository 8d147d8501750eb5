"""LeadHub on several machines, on this one: two gunicorn groups behind HAProxy, two Celery workers and one beat on
one PostgreSQL and Redis. Locust runs through the proxy while group b is killed (SIGKILL) and started again and
worker 2 is killed; then the checks.

Usage (from the project root): `python -m loadtest.scaleout` (what `make scaleout` runs); `--users 12 --seconds 30`
is the suite's short form. Needs haproxy (Debian: apt-get install haproxy). It prints one table: requests, the
failures (all in flight on the killed group?), sessions kept across servers, the inquiry rate limit across both
groups, each periodic job's runs per interval, e--mails once each, nothing lost; exits 1 if a check fails.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

from loadtest import probe, stack
from loadtest.capacity import prepare_database, run_locust
from loadtest.checks import check_data, emails_owed
from loadtest.seed import seed_history, seed_people, write_people

HAPROXY = """
global
    maxconn 8192
    stats socket {socket} mode 600 level admin
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # A busy group answers /healthz behind the requests it has queued: a 1 s check would call it down just when
    # the other one is gone, and leave no server at all (503s). Give the check as long as a slow request.
    timeout check 5s
    # A request that could not connect (the group is down) goes to the other group; one already sent never does.
    retries 3
    option redispatch
    retry-on conn-failure
    option forwardfor
frontend web
    bind 127.0.0.1:{port}
    default_backend groups
backend groups
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz hdr Host localhost
    http-response set-header X-Served-By %[srv_name]
    server a 127.0.0.1:{a} check inter 1s fall 3 rise 2
    server b 127.0.0.1:{b} check inter 1s fall 3 rise 2
"""
# A failed request belongs to the kill if it ended within this many seconds after it.
IN_FLIGHT_WINDOW = 5.0
PERIODIC = ("leads.tasks.expire_overdue_leads", "leads.tasks.cool_hot_leads", "webhooks.tasks.send_due_webhooks")


def haproxy_in_flight(sock: Path, server: str) -> int:
    """Requests HAProxy has sent to `server` and not yet answered (scur of the stats socket)."""
    with socket.socket(socket.AF_UNIX) as conn:
        conn.connect(str(sock))
        conn.sendall(b"show stat\n")
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    lines = data.decode().splitlines()
    header = lines[0].lstrip("# ").split(",")
    for line in lines[1:]:
        row = dict(zip(header, line.split(",")))
        if row.get("pxname") == "groups" and row.get("svname") == server:
            return int(row["scur"] or 0)
    return 0


def through_proxy(base: str, path: str, *, data: dict | None = None, headers: dict | None = None, jar=None):
    """One request through the proxy without following redirects: (status, served by, body)."""
    import http.cookiejar
    import urllib.error
    import urllib.parse

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    jar = jar if jar is not None else http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(base + path, data=body, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers.get("X-Served-By", ""), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("X-Served-By", ""), exc.read().decode()


def check_sessions(base: str, sessionid: str, requests: int = 12) -> dict:
    """A logged-in person's pages alternate between the groups and none asks them to log in again."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    cookie = http.cookiejar.Cookie(
        0, "sessionid", sessionid, None, False, "127.0.0.1", False, False, "/", True, False, None, True, None, None, {}
    )
    jar.set_cookie(cookie)
    served, kept = Counter(), 0
    for _ in range(requests):
        status, server, _body = through_proxy(base, "/leads/marketplace/", jar=jar)
        served[server] += 1
        kept += status == 200
    return {"requests": requests, "kept": kept, "served_by": dict(served)}


def check_rate_limit(base: str, slug: str, limit: int, attempts: int = 12) -> dict:
    """One address sends `attempts` valid inquiries, alternating between the groups: exactly `limit` are taken."""
    import http.cookiejar
    import re

    jar = http.cookiejar.CookieJar()
    headers = {"X-Forwarded-For": "10.9.9.9"}
    outcomes, served = Counter(), Counter()
    _status, _server, page = through_proxy(base, f"/partners/{slug}/", headers=headers, jar=jar)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    # Only POSTs from here on, so the round robin sends every other one to each group.
    for n in range(attempts):
        data = {
            "company": "Rate Check Ltd",
            "contact_name": "Rate Check",
            "email": f"rate{n}@customer.example",
            "need": "Checking the limit.",
            "csrfmiddlewaretoken": token.group(1) if token else "",
        }
        status, server, _body = through_proxy(
            base,
            f"/partners/{slug}/contact/",
            data=data,
            headers=headers | {"Referer": f"{base}/partners/{slug}/"},
            jar=jar,
        )
        outcomes[status] += 1
        served[server] += 1
    return {"attempts": attempts, "accepted": outcomes.get(302, 0), "refused_429": outcomes.get(429, 0)} | {
        "served_by": dict(served),
        "limit": limit,
    }


def job_runs(notes: list[dict], killed_worker: str, killed_at: float) -> dict:
    """Per periodic job: queued by beat, ran, ran twice, cut short by the kill, expired unrun, lost."""
    table = {}
    for task in PERIODIC:
        queued = {n["id"] for n in notes if n["event"] == "queued" and n["task"] == task}
        succeeded = Counter(n["id"] for n in notes if n["event"] == "ended" and n["task"] == task)
        started = defaultdict(list)
        for n in notes:
            if n["event"] == "started" and n["task"] == task:
                started[n["id"]].append(n)
        expired = {n["id"] for n in notes if n["event"] in ("expired", "revoked") and n["task"] == task}
        cut_short = {
            task_id
            for task_id, runs in started.items()
            if task_id not in succeeded and any(r["worker"] == killed_worker and r["at"] <= killed_at for r in runs)
        }
        lost = queued - set(succeeded) - expired - cut_short
        table[task.rsplit(".", 1)[1]] = {
            "queued": len(queued),
            "ran": len(set(succeeded) & queued),
            "ran_twice": sum(1 for count in succeeded.values() if count > 1),
            "cut_short": len(cut_short),
            "expired": len(expired - set(succeeded)),
            "lost": len(lost),
        }
    return table


def outcomes_recorded(since) -> dict:
    """What the database holds from the run: decisions and inquiries."""
    from leads.models import Lead, LeadEvent

    return {
        "accept": LeadEvent.objects.filter(action="accept", at__gte=since).count(),
        "decline": LeadEvent.objects.filter(action="decline", at__gte=since).count(),
        "inquiry": Lead.objects.filter(lead_type="customer_inquiry", created_at__gte=since).count(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=120, help="measured seconds of load")
    parser.add_argument("--think-scale", type=float, default=1.0)
    parser.add_argument("--history", type=int, default=20_000)
    parser.add_argument("--database", default="leadhub_scaleout")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--ports", default="8180,8181,8182", help="proxy, group a, group b")
    parser.add_argument("--smtp-port", type=int, default=8826)
    parser.add_argument("--job-interval", type=int, default=10, help="LEADHUB_JOB_INTERVAL_SECONDS of the run")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not shutil.which("haproxy"):
        raise SystemExit("haproxy is not installed (Debian: apt-get install haproxy)")
    proxy_port, port_a, port_b = (int(p) for p in args.ports.split(","))
    base = f"http://127.0.0.1:{proxy_port}"

    prepare_database(args.database)
    workdir = Path(tempfile.mkdtemp(prefix="leadhub-scaleout-"))
    with stack.SmtpSink(args.smtp_port) as sink:
        env = stack.server_env(
            database=args.database,
            redis=args.redis,
            extra={
                "EMAIL_URL": sink.url,
                "LEADHUB_JOB_INTERVAL_SECONDS": str(args.job_interval),
                # HAProxy appends the address it saw; the customers' own one (an outer balancer's) is the client.
                "LEADHUB_TRUSTED_PROXIES": "2",
                "LOADTEST_VISIBILITY_TIMEOUT": "15",
            },
        )
        os.environ.update(env)
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.utils import timezone

        stack.forget_cache(args.redis)
        probe.forget(args.redis)
        call_command("migrate", verbosity=0)
        seed_history(leads=args.history, partners=max(2, args.history // 2000))
        people = seed_people(users=args.users, leads_per_org=100)
        people_file = write_people(people, workdir / "people.json")
        owed_before = emails_owed()
        started_at = timezone.now()

        config = workdir / "haproxy.cfg"
        config.write_text(HAPROXY.format(socket=workdir / "haproxy.sock", port=proxy_port, a=port_a, b=port_b))
        processes = {}
        node = os.uname().nodename
        names = {"worker1": f"scaleout-1-{os.getpid()}@{node}", "worker2": f"scaleout-2-{os.getpid()}@{node}"}
        try:
            processes["a"] = stack.start_gunicorn(port=port_a, env=env, workers=2, log=workdir / "web-a.log")
            processes["b"] = stack.start_gunicorn(port=port_b, env=env, workers=2, log=workdir / "web-b.log")
            processes["haproxy"] = subprocess.Popen(
                ["haproxy", "-f", str(config), "-db"],
                stdout=subprocess.DEVNULL,
                stderr=open(workdir / "haproxy.log", "ab"),
            )
            stack.wait_http(f"{base}/healthz", processes["haproxy"])
            for name, hostname in names.items():
                processes[name] = stack.start_celery(
                    ["worker", "--concurrency", "2", "--hostname", hostname],
                    env=env,
                    log=workdir / f"{name}.log",
                    app="loadtest.probe",
                )
            processes["beat"] = stack.start_celery(
                ["beat", "--schedule", str(workdir / "beat-schedule")],
                env=env,
                log=workdir / "beat.log",
                app="loadtest.probe",
            )
            for name, hostname in names.items():
                stack.wait_worker(processes[name], hostname)

            locust, result_path = run_locust(
                host=base,
                users=args.users,
                seconds=args.seconds,
                people=people_file,
                workdir=workdir,
                extra={"LOADTEST_THINK_SCALE": str(args.think_scale)},
            )
            ramp = args.users / max(args.users / 10, 1)
            events = {}

            def disturb():
                time.sleep(ramp)
                events["load_started_at"] = time.time()
                time.sleep(0.25 * args.seconds)
                events["web_in_flight"] = haproxy_in_flight(workdir / "haproxy.sock", "b")
                events["web_killed_at"] = time.time()
                stack.kill_group(processes["b"])
                time.sleep(0.2 * args.seconds)
                events["worker_killed_at"] = time.time()
                stack.kill_group(processes["worker2"])
                time.sleep(0.1 * args.seconds)
                processes["b"] = stack.start_gunicorn(port=port_b, env=env, workers=2, log=workdir / "web-b.log")
                events["web_started_at"] = time.time()

            disturber = threading.Thread(target=disturb, daemon=True)
            disturber.start()
            locust.wait()
            disturber.join()
            result = json.loads(result_path.read_text())

            sessions = check_sessions(base, people["partner_users"][0]["sessionid"])
            rate = check_rate_limit(base, people["listed"][0], settings.LEADHUB_INQUIRY_RATE_PER_HOUR)
            # No more periodic jobs: worker 1 finishes what is queued, and gets what worker 2 held once Redis's visibility timeout passes.
            stack.stop(processes.pop("beat"))
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                time.sleep(2)
                pending = stack.redis_queue_length(args.redis) + stack.redis_unacked(args.redis)
                if not pending and not (emails_owed() - owed_before):
                    break
            time.sleep(2)
        finally:
            for process in processes.values():
                stack.stop(process)
        checks = check_data(sink.messages, owed_before)
        recorded = outcomes_recorded(started_at)

    notes = probe.notes(args.redis)
    jobs = job_runs(notes, names["worker2"], events.get("worker_killed_at", 0))
    killed_at = events.get("web_killed_at", 0)
    errors = result.get("errors_at", [])
    in_window = [e for e in errors if killed_at - 1 <= e[0] <= killed_at + IN_FLIGHT_WINDOW]

    def answered(kind, code="302"):
        return result["all_statuses"].get(kind, {}).get(code, 0)

    failed = Counter(e[1] for e in errors)
    answered_ok = {"accept": answered("accept"), "decline": answered("decline")}
    answered_ok["inquiry"] = answered("inquiry") + rate["accepted"]
    # Each answered write is in the database; a write whose request failed may or may not have committed.
    lost = {kind: max(answered_ok[kind] - recorded[kind], 0) for kind in answered_ok}
    unexplained = {kind: recorded[kind] - answered_ok[kind] - failed.get(kind, 0) for kind in answered_ok}

    checks_ok = {
        "failures only in flight on the killed group": len(errors) == len(in_window)
        and len(in_window) <= max(events.get("web_in_flight", 0), 0) + 2,
        "sessions survive switching servers": result["session_lost"] == 0
        and sessions["kept"] == sessions["requests"]
        and len(sessions["served_by"]) == 2,
        "rate limit holds across both groups": rate["accepted"] == rate["limit"] and len(rate["served_by"]) == 2,
        "every periodic job once per interval": all(job["ran_twice"] == 0 and job["lost"] == 0 for job in jobs.values())
        and jobs["expire_overdue_leads"]["ran"] >= args.seconds // args.job_interval // 2,
        "no e-mail twice, none lost or owed": not (
            checks["emails_twice"] or checks["emails_lost"] or checks["emails_unrecorded"] or checks["emails_owed"]
        ),
        "no lead decided twice, status matches history": not (checks["decided_twice"] or checks["status_not_history"]),
        "every answered write recorded": not any(lost.values()) and all(v <= 0 for v in unexplained.values()),
    }

    print(f"Scale-out on this machine: {args.users} users for {args.seconds:.0f} s through HAProxy :{proxy_port}")
    print(f"  groups a :{port_a} and b :{port_b} (2 gunicorn workers each), 2 Celery workers, 1 beat, jobs every")
    print(f"  {args.job_interval} s; load average {stack.load_average()}")
    print(
        f"  requests {result['requests']}, {result['requests'] / max(result['seconds'], 1):.1f}/s, p95 {result['p95']:.0f} ms"
    )
    start = events.get("load_started_at", killed_at)
    print(
        f"  at {killed_at - start:.0f} s group b killed (SIGKILL) with {events.get('web_in_flight', 0)} requests in"
        f" flight (HAProxy); at {events.get('worker_killed_at', start) - start:.0f} s worker 2 killed; at"
        f" {events.get('web_started_at', start) - start:.0f} s group b started again"
    )
    print(
        f"  failed requests: {len(errors)}, {len(in_window)} of them within {IN_FLIGHT_WINDOW:.0f} s of the kill"
        f" ({dict(failed)}; seconds into the load: {', '.join(f'{e[0] - start:.1f}' for e in errors)})"
    )
    print(f"  sessions: {sessions}; lost during the load: {result['session_lost']}")
    print(f"  inquiry rate limit from one address: {rate}")
    print(f"  writes answered / recorded: {answered_ok} / {recorded}")
    print(f"  {'periodic job':<22} {'queued':>6} {'ran':>5} {'twice':>5} {'cut':>5} {'expired':>7} {'lost':>5}")
    for name, job in jobs.items():
        print(
            f"  {name:<22} {job['queued']:>6} {job['ran']:>5} {job['ran_twice']:>5} {job['cut_short']:>5}"
            f" {job['expired']:>7} {job['lost']:>5}"
        )
    print("  data:", ", ".join(f"{key} {value}" for key, value in checks.items()))
    for name, ok in checks_ok.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {name}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"checks": checks_ok, "data": checks, "jobs": jobs, "rate": rate, "sessions": sessions}
                | {"errors": len(errors), "in_window": len(in_window), "events": events, "requests": result["requests"]}
            )
        )
    ok = all(checks_ok.values())
    print("PASS" if ok else "FAIL", f"(logs in {workdir})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
