"""The processes of a load run on this machine (gunicorn, Celery, beat, HAProxy, an SMTP sink) and their CPU time.

CPU is read from /proc/<pid>/stat (utime + stime) for each process tree, sampled every second so processes that
come and go (PostgreSQL backends, Celery's pool) are counted too.
"""

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")


def server_env(*, database: str, redis: str, extra: dict | None = None) -> dict:
    """The environment of every LeadHub process of a run: its own database, Redis db, and mail to the sink."""
    return (
        os.environ
        | {
            "DJANGO_SETTINGS_MODULE": "leadhub.settings.bench",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "CELERY_BROKER_URL": redis,
            "BENCH_CACHE_URL": redis,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Customers send their own address in X-Forwarded-For, as if a load balancer had put it there.
            "LEADHUB_TRUSTED_PROXIES": "1",
            "LEADHUB_LOGIN_MAX_FAILURES": "1000",
        }
        | (extra or {})
    )


def wait_http(url: str, process: subprocess.Popen | None = None, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, OSError):
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{process.args[:4]} exited during start-up")
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def start_gunicorn(*, port: int, env: dict, workers: int = 3, threads: int = 8, log: Path | None = None):
    """gunicorn on 127.0.0.1:port (gthread, as in production), its log (4xx warnings included) in `log`."""
    out = open(log, "ab") if log else None
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "leadhub.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread"]
        + ["--timeout", "60", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        # A group of its own, so the scale-out test can kill the master and its workers at once.
        start_new_session=True,
        stdout=out,
        stderr=out,
    )
    wait_http(f"http://127.0.0.1:{port}/healthz", process)
    return process


def start_celery(args: list[str], *, env: dict, log: Path, app: str = "leadhub") -> subprocess.Popen:
    """`celery -A app <args>`, its output in `log`; a worker is named by its --hostname in `args`."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", app, *args, "--loglevel", "INFO"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL a process and everything in its session, as a crashed machine would stop: nothing finishes."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def wait_worker(process: subprocess.Popen, hostname: str, seconds: float = 90) -> None:
    """Until the worker named `hostname` answers a ping (it then consumes its queues)."""
    from leadhub.celery import app

    deadline = time.monotonic() + seconds
    while not app.control.ping(destination=[hostname], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker {hostname} did not start")


def wait_log(path: Path, text: str, seconds: float = 60) -> None:
    """Until `text` shows in the log at `path` (a Celery worker writes "ready" once it consumes)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{path.name} never said {text!r}")


def stop(process: subprocess.Popen | None, seconds: float = 30) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class SmtpSink:
    """A real SMTP server on 127.0.0.1 that keeps (recipient, subject) of every message it is given."""

    def __init__(self, port: int):
        from aiosmtpd.controller import Controller

        self.messages: Counter = Counter()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                subject = message_from_bytes(envelope.content, policy=policy.default).get("Subject", "")
                for recipient in envelope.rcpt_tos:
                    sink.messages[(recipient, " ".join(str(subject).split()))] += 1
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        self.url = f"smtp://127.0.0.1:{port}"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


class CpuMeter(threading.Thread):
    """CPU seconds per group between start() and stop(). `groups` maps a name to a function returning root pids;
    each root's whole process tree counts."""

    def __init__(self, groups: dict, every: float = 1.0):
        super().__init__(daemon=True)
        self.groups, self.every = groups, every
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self._done = threading.Event()

    def sample(self, initial: bool = False) -> None:
        tree = _children()
        for name, roots in self.groups.items():
            pending = list(roots())
            while pending:
                pid = pending.pop()
                pending += tree.get(pid, [])
                used = _cpu_seconds(pid)
                if used is None:
                    continue
                key = (name, pid)
                self.first.setdefault(key, used if initial else 0.0)
                self.last[key] = used

    def run(self):
        while not self._done.wait(self.every):
            self.sample()

    def start(self):
        self.sample(initial=True)
        super().start()

    def stop(self) -> dict[str, float]:
        self._done.set()
        self.join()
        self.sample()
        used = Counter()
        for key, value in self.last.items():
            used[key[0]] += value - self.first[key]
        return {name: round(used[name], 1) for name in self.groups}


def postgres_backends(database: str):
    """The pids of the PostgreSQL backends serving `database` (others' databases on the server are not counted)."""
    import psycopg

    def pids():
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            return [row[0] for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [database])]

    return pids


def redis_queue_length(redis_url: str, queue: str = "celery") -> int:
    import redis

    return redis.Redis.from_url(redis_url).llen(queue)


def redis_unacked(redis_url: str) -> int:
    """Tasks a worker has taken and not yet acknowledged (kombu's `unacked` hash)."""
    import redis

    return redis.Redis.from_url(redis_url).hlen("unacked")


def forget_cache(redis_url: str, prefix: str = "leadhub-bench:") -> int:
    """Delete a previous run's cache keys (sessions, rate-limit counters) and nothing else in that Redis db."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    return client.delete(*keys) if keys else 0


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
