"""Webhook figures, on a database of their own (default leadhub_webhooks_bench, made afresh and dropped):

1. deliveries per second to a fast local receiver (keep-alive, answers 204 at once) from the worker docker compose
   runs for them (`celery worker -Q webhooks --pool threads --concurrency 16`), target ≥ 200/s on 2 cores, with the
   CPU each delivery costs in the worker, in PostgreSQL and in this process (the receiver);
2. how long a new-lead e-mail waits while 1,000 deliveries queue for a receiver that takes 1 s each (target ≤ 5 s),
   with one plain `celery worker` (every queue, as an operator starts it) and with compose's two workers.

    .venv/bin/python bench/webhooks.py [--deliveries 2000] [--backlog 1000] [--broker-url redis://127.0.0.1:6379/6]
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import drop_database, ensure_database  # noqa: E402 - bench/ is put on the path first

SLUG = "bench-webhooks"
TARGET_RATE, TARGET_EMAIL_SECONDS = 200.0, 5.0
# docker-compose.yml's workers: the dedicated webhooks worker, and the one for e-mails and jobs.
WEBHOOKS_WORKER = ["-Q", "webhooks", "--pool", "threads", "--concurrency", "16"]
EMAIL_WORKER = ["-Q", "celery", "--concurrency", "2"]
PLAIN_WORKER = ["--concurrency", "2"]


def log(message: str) -> None:
    print(f"[bench-webhooks] {message}", file=sys.stderr, flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "WEBHOOKS_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/leadhub_webhooks_bench"
        ),
    )
    parser.add_argument("--broker-url", default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/6"))
    parser.add_argument("--deliveries", type=int, default=2000, help="deliveries for the throughput measurement")
    parser.add_argument("--backlog", type=int, default=1000, help="1-second deliveries queued before the e-mail")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args(argv)


def setup_django(args) -> None:
    # Production's choices (persistent database connections, no DEBUG), as `make bench` uses.
    os.environ["DJANGO_SETTINGS_MODULE"] = "leadhub.settings.bench"
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["CELERY_BROKER_URL"] = args.broker_url
    os.environ["LEADHUB_WEBHOOKS_ALLOW_PRIVATE"] = "true"
    import django

    django.setup()


class Receiver:
    """A receiver on 127.0.0.1 that answers 204 after `delay` seconds and counts what it got. It keeps connections
    alive, as a CRM's HTTPS front end does."""

    def __init__(self, delay: float = 0.0):
        receiver = self
        self.count, self.lock = 0, threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if delay:
                    time.sleep(delay)
                with receiver.lock:
                    receiver.count += 1
                self.send_response(204)
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


def _process_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pids: list[int]) -> set[int]:
    seen, queue = set(), list(pids)
    while queue:
        pid = queue.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                queue += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return seen


def _postgres_backends() -> set[int]:
    """The server processes of this database's other connections (the workers'), not the bench's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {row[0] for row in cursor.fetchall()}


def _redis_server() -> set[int]:
    return {int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _comm(p) == "redis-server"}


def _comm(path: Path) -> str:
    try:
        return (path / "comm").read_text().strip()
    except OSError:
        return ""


class CpuMeter:
    """CPU seconds spent meanwhile by the workers (with their children), their PostgreSQL backends, Redis (shared
    with anything else using it) and this process (the receiver and the polling)."""

    def __init__(self, worker_pids: list[int]):
        self.worker_pids = worker_pids
        self.before = self._sample()
        self.process_before = time.process_time()

    def _sample(self) -> dict[str, dict[int, float]]:
        groups = {
            "worker": _descendants(self.worker_pids),
            "postgres": _postgres_backends(),
            "redis": _redis_server(),
        }
        return {name: {pid: _process_cpu(pid) for pid in pids} for name, pids in groups.items()}

    def spent(self) -> dict[str, float]:
        after = self._sample()
        spent = {
            name: sum(cpu - self.before[name].get(pid, 0.0) for pid, cpu in pids.items())
            for name, pids in after.items()
        }
        spent["bench"] = time.process_time() - self.process_before
        return spent


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
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "leadhub", "worker", "--loglevel", "INFO"]
                + ["--without-heartbeat", "--without-gossip", "--without-mingle", "--hostname", hostname, *arguments],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        processes.append((process, log_path, hostname))
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
    from webhooks.models import Delivery
    from webhooks.tasks import queue_deliveries as enqueue

    deliveries = Delivery.objects.bulk_create(_copies(endpoint, lead, count))
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


def throughput(args, organisation, admin, ops, log_dir: Path) -> dict:
    """Deliveries per second through compose's webhooks worker, and the CPU milliseconds each cost where."""
    from webhooks.models import Delivery, DeliveryStatus
    from webhooks.services import endpoint_create

    clean(organisation)
    receiver = Receiver()
    lead = a_lead(organisation, ops)
    endpoint, _secret = endpoint_create(by=admin, url=receiver.url)
    try:
        with workers(WEBHOOKS_WORKER, log_dir=log_dir) as pids:
            meter = CpuMeter(pids)
            started = time.monotonic()
            ids = queue_deliveries(endpoint, lead, args.deliveries)
            deadline = started + 600
            while receiver.count < len(ids) or Delivery.objects.filter(
                pk__in=ids, status=DeliveryStatus.DELIVERED
            ).count() < len(ids):
                if time.monotonic() > deadline:
                    raise RuntimeError("deliveries did not finish in 10 minutes")
                time.sleep(0.1)
            elapsed = time.monotonic() - started
            spent = meter.spent()
            sent = receiver.count
    finally:
        receiver.close()
        clean(organisation)
    return {
        "rate": len(ids) / elapsed,
        "duplicates": sent - len(ids),
        **{f"{name}_ms": seconds * 1000 / len(ids) for name, seconds in spent.items()},
    }


def sending_cpu(organisation, admin, ops, rounds: int = 5, count: int = 200) -> float:
    """CPU milliseconds one delivery_send costs the thread that runs it (no Celery, no other threads' work: the
    receiver runs in threads of its own), the median of `rounds`: steadier than the worker's figure on a busy box."""
    from webhooks.models import Delivery
    from webhooks.sending import delivery_send
    from webhooks.services import endpoint_create

    clean(organisation)
    receiver = Receiver()
    lead = a_lead(organisation, ops)
    endpoint, _secret = endpoint_create(by=admin, url=receiver.url)
    results = []
    try:
        for _ in range(rounds):
            ids = [delivery.pk for delivery in Delivery.objects.bulk_create(_copies(endpoint, lead, count))]
            started = time.thread_time()
            sent = sum(bool(delivery_send(delivery_id=pk)) for pk in ids)
            results.append((time.thread_time() - started) * 1000 / count)
            if sent != count:
                raise RuntimeError(f"{count - sent} of {count} deliveries were not delivered")
    finally:
        receiver.close()
        clean(organisation)
    return statistics.median(results)


def _copies(endpoint, lead, count: int):
    from django.utils import timezone

    from webhooks.models import Delivery
    from webhooks.payloads import leads_json

    payload, now = leads_json([lead.pk])[lead.pk], timezone.now()
    return [
        Delivery(
            endpoint=endpoint, lead=lead, event_type="lead.updated", payload=payload, next_attempt_at=now, queued_at=now
        )
        for _ in range(count)
    ]


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
    args = parse_args(argv)
    ensure_database(args.database_url, fresh=True)
    setup_django(args)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    organisation, admin, ops = setup()
    log_dir = ROOT / "var" / "bench-webhooks"
    log_dir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    log(f"throughput: {args.deliveries} deliveries, `celery worker {' '.join(WEBHOOKS_WORKER)}`")
    figures = throughput(args, organisation, admin, ops, log_dir)
    log("sending CPU per delivery in one thread, without Celery")
    figures["sending_ms"] = sending_cpu(organisation, admin, ops)
    log(f"e-mail delay behind {args.backlog} slow deliveries, one plain worker")
    plain_delay = email_delay(args, organisation, admin, ops, [PLAIN_WORKER], log_dir)
    log(f"e-mail delay behind {args.backlog} slow deliveries, compose's two workers")
    compose_delay = email_delay(args, organisation, admin, ops, [EMAIL_WORKER, WEBHOOKS_WORKER], log_dir)
    if not args.keep:
        drop_database(args.database_url)
    rate_ok = figures["rate"] >= TARGET_RATE and figures["duplicates"] == 0
    rows = [
        (
            f"deliveries/s to a fast receiver, `worker {' '.join(WEBHOOKS_WORKER)}`",
            f"≥ {TARGET_RATE:.0f}",
            f"{figures['rate']:,.0f}",
            rate_ok,
        ),
        ("  worker CPU per delivery", "", f"{figures['worker_ms']:.2f} ms", None),
        ("  sending alone, one thread without Celery (median of 5 × 200)", "", f"{figures['sending_ms']:.2f} ms", None),
        ("  PostgreSQL CPU per delivery (the workers' backends)", "", f"{figures['postgres_ms']:.2f} ms", None),
        ("  Redis CPU per delivery (shared server)", "", f"{figures['redis_ms']:.2f} ms", None),
        ("  bench process CPU per delivery (receiver, polling)", "", f"{figures['bench_ms']:.2f} ms", None),
        ("  deliveries the receiver got twice", "0", str(figures["duplicates"]), figures["duplicates"] == 0),
    ]
    for label, delay in (("one plain `worker -c 2` (every queue)", plain_delay), ("compose's workers", compose_delay)):
        rows.append(
            (
                f"new-lead e-mail delay, {args.backlog} × 1 s deliveries queued, {label}",
                f"≤ {TARGET_EMAIL_SECONDS:.0f} s",
                f"{delay:.1f} s",
                delay <= TARGET_EMAIL_SECONDS,
            )
        )
    print(
        f"Webhooks bench ({os.cpu_count()} CPUs, load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after)\n"
    )
    print("| measure | target | result | verdict |\n|---|---|---|---|")
    for measure, target, result, ok in rows:
        print(f"| {measure} | {target} | {result} | {'' if ok is None else ('ok' if ok else 'MISSED')} |")
    return 0 if all(ok is not False for *_rest, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
