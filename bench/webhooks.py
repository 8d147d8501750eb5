"""Webhook figures: deliveries per second to a fast local receiver, and how long a new-lead e-mail waits while a
thousand webhook deliveries queue for a receiver that takes a second each, under two worker layouts.

Run from the repository root against a migrated database of your own (never the shared bench database):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/leadhub_webhooks CELERY_BROKER_URL=redis://127.0.0.1:6379/13 \
        .venv/bin/python bench/webhooks.py [--deliveries 2000] [--backlog 1000]
"""

import argparse
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Production's choices (persistent database connections, no DEBUG), as `make bench` uses.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadhub.settings.bench")
os.environ.setdefault("LEADHUB_WEBHOOKS_ALLOW_PRIVATE", "true")
SLUG = "bench-webhooks"
TARGET_RATE, TARGET_EMAIL_SECONDS = 200.0, 5.0


def log(message: str) -> None:
    print(f"[bench-webhooks] {message}", file=sys.stderr, flush=True)


class Receiver:
    """A receiver on 127.0.0.1 that answers 204 after `delay` seconds and counts what it got."""

    def __init__(self, delay: float = 0.0):
        receiver = self
        self.count, self.first, self.last, self.lock = 0, None, None, threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if delay:
                    time.sleep(delay)
                with receiver.lock:
                    receiver.count += 1
                    receiver.last = time.monotonic()
                    receiver.first = receiver.first or receiver.last
                self.send_response(204)
                self.send_header("Connection", "close")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 1024
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes and their children (prefork pool processes), from /proc."""
    ticks, seen = 0, set()
    queue = list(pids)
    while queue:
        pid = queue.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
            for task in Path(f"/proc/{pid}/task").iterdir():
                queue += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


@contextmanager
def workers(*commands: list[str], log_dir: Path):
    """Celery workers started with these arguments, ready before the block runs, stopped after it."""
    env = {**os.environ, "LEADHUB_WEBHOOKS_ALLOW_PRIVATE": "true", "LOG_LEVEL": "WARNING"}
    from leadhub.celery import app

    processes = []
    for index, arguments in enumerate(commands):
        log_path = log_dir / f"worker-{index}.log"
        hostname = f"bench-{os.getpid()}-{index}@{os.uname().nodename}"
        with open(log_path, "wb") as out:
            processes.append(
                (
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "celery",
                            "-A",
                            "leadhub",
                            "worker",
                            "--loglevel",
                            "INFO",
                            "--without-heartbeat",
                            "--without-gossip",
                            "--without-mingle",
                            "--hostname",
                            hostname,
                            *arguments,
                        ],
                        cwd=ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    ),
                    log_path,
                    hostname,
                )
            )
    try:
        for process, log_path, hostname in processes:
            deadline = time.monotonic() + 60
            while not app.control.ping(destination=[hostname], timeout=0.5):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"worker did not start:\n{log_path.read_text()}")
        yield [process.pid for process, _log, _name in processes]
    finally:
        for process, _log, _name in processes:
            process.terminate()
        for process, _log, _name in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def setup():
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from profiles.models import Membership, Organisation, Role

    organisation, _ = Organisation.objects.get_or_create(slug=SLUG, defaults={"name": "Bench Webhooks"})
    admin, _ = get_user_model().objects.get_or_create(
        username="bench-webhooks-admin", defaults={"email": "admin@bench-webhooks.example"}
    )
    Membership.objects.get_or_create(user=admin, defaults={"organisation": organisation, "role": Role.PARTNER_ADMIN})
    ops, _ = get_user_model().objects.get_or_create(
        username="bench-webhooks-ops", defaults={"is_staff": True, "email": "ops@bench.example"}
    )
    return organisation, admin, ops


def clean(organisation) -> None:
    from leadhub.celery import app
    from webhooks.models import Endpoint

    Endpoint.objects.filter(organisation=organisation).delete()
    app.control.purge()


def queue_deliveries(endpoint, lead, count: int) -> list[int]:
    """`count` deliveries of one real lead's JSON to `endpoint`, queued on the webhooks queue as the subscriber does."""
    from django.utils import timezone

    from webhooks.models import Delivery
    from webhooks.payloads import leads_json
    from webhooks.tasks import queue_deliveries as enqueue

    payload, now = leads_json([lead.pk])[lead.pk], timezone.now()
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            endpoint=endpoint, lead=lead, event_type="lead.updated", payload=payload, next_attempt_at=now, queued_at=now
        )
        for _ in range(count)
    )
    ids = [delivery.pk for delivery in deliveries]
    enqueue(ids)
    return ids


def a_lead(organisation, ops):
    from leads import services

    return services.lead_create(
        by=ops,
        partner=organisation,
        lead_type="sales_qualified",
        need="Bench",
        customer={"company": "Bench", "contact_name": "B", "email": "b@bench.example"},
    )


def throughput(args, organisation, admin, ops, worker_args: list[str], log_dir: Path) -> tuple[float, float]:
    """Deliveries per second, and the workers' CPU milliseconds per delivery (the machine may be shared)."""
    from webhooks.models import Delivery, DeliveryStatus
    from webhooks.services import endpoint_create

    clean(organisation)
    receiver = Receiver()
    lead = a_lead(organisation, ops)
    endpoint, _secret = endpoint_create(by=admin, url=receiver.url)
    try:
        with workers(worker_args, log_dir=log_dir) as pids:
            cpu_before = cpu_seconds(pids)
            started = time.monotonic()
            ids = queue_deliveries(endpoint, lead, args.deliveries)
            deadline = started + 600
            while Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.DELIVERED).count() < len(ids):
                if time.monotonic() > deadline:
                    raise RuntimeError("deliveries did not finish in 10 minutes")
                time.sleep(0.2)
            elapsed = time.monotonic() - started
            cpu = cpu_seconds(pids) - cpu_before
    finally:
        receiver.close()
        clean(organisation)
    return len(ids) / elapsed, cpu * 1000 / len(ids)


def email_delay(args, organisation, admin, ops, worker_commands: list[list[str]], log_dir: Path) -> float:
    """Seconds from the commit of a new lead to its e-mail, with `args.backlog` slow deliveries queued first."""
    from leads.models import EmailDelivery
    from webhooks.services import endpoint_create

    clean(organisation)
    receiver = Receiver(delay=1.0)
    endpoint, _secret = endpoint_create(by=admin, url=receiver.url)
    try:
        with workers(*worker_commands, log_dir=log_dir):
            queue_deliveries(endpoint, a_lead(organisation, ops), args.backlog)
            while receiver.count < 2:  # the workers are busy with the backlog
                time.sleep(0.05)
            committed = time.monotonic()
            lead = a_lead(organisation, ops)
            while not EmailDelivery.objects.filter(lead=lead, kind="new_lead").exists():
                if time.monotonic() - committed > 120:
                    return float("inf")
                time.sleep(0.05)
            return time.monotonic() - committed
    finally:
        receiver.close()
        clean(organisation)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--backlog", type=int, default=1000)
    args = parser.parse_args(argv)
    organisation, admin, ops = setup()
    log_dir = ROOT / "var" / "bench-webhooks"
    log_dir.mkdir(parents=True, exist_ok=True)
    compose = ["--concurrency", "2"]  # docker-compose.yml's worker: prefork, 2 processes, every queue
    dedicated = ["-Q", "webhooks", "--pool", "threads", "--concurrency", "16"]
    rows = []
    log("throughput, one plain worker as in docker compose (prefork, concurrency 2)")
    rate, cpu_ms = throughput(args, organisation, admin, ops, compose, log_dir)
    rows.append(
        (
            "deliveries/s, `worker --concurrency 2` (compose today)",
            f"{rate:,.0f}",
            f"≥ {TARGET_RATE:.0f}",
            rate >= TARGET_RATE,
        )
    )
    rows.append(("worker CPU per delivery, prefork", f"{cpu_ms:.1f} ms", "", True))
    log("throughput, a dedicated webhooks worker (threads, concurrency 16)")
    rate, cpu_ms = throughput(args, organisation, admin, ops, dedicated, log_dir)
    rows.append(
        (
            "deliveries/s, `worker -Q webhooks --pool threads -c 16`",
            f"{rate:,.0f}",
            f"≥ {TARGET_RATE:.0f}",
            rate >= TARGET_RATE,
        )
    )
    rows.append(("worker CPU per delivery, threads", f"{cpu_ms:.1f} ms", "", True))
    log(f"e-mail delay behind {args.backlog} slow deliveries, one plain worker")
    delay = email_delay(args, organisation, admin, ops, [compose], log_dir)
    rows.append(
        (
            f"new-lead e-mail delay, {args.backlog} × 1 s deliveries queued, one plain worker -c 2",
            f"{delay:.1f} s",
            f"≤ {TARGET_EMAIL_SECONDS:.0f} s",
            delay <= TARGET_EMAIL_SECONDS,
        )
    )
    log(f"e-mail delay behind {args.backlog} slow deliveries, separate workers per queue")
    delay = email_delay(args, organisation, admin, ops, [["-Q", "celery", "--concurrency", "2"], dedicated], log_dir)
    rows.append(
        (
            f"new-lead e-mail delay, {args.backlog} × 1 s deliveries queued, `-Q celery -c 2` + webhooks worker",
            f"{delay:.1f} s",
            f"≤ {TARGET_EMAIL_SECONDS:.0f} s",
            delay <= TARGET_EMAIL_SECONDS,
        )
    )
    print(f"Webhooks bench ({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end)\n")
    print("| measure | result | target | verdict |\n|---|---|---|---|")
    for measure, result, target, ok in rows:
        print(f"| {measure} | {result} | {target} | {('ok' if ok else 'MISSED') if target else ''} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
