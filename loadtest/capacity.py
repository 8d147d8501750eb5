"""How many people one machine serves: Locust steps the users up against gunicorn on 127.0.0.1 until p95 > 200 ms
or a server error, then the data is checked.

Usage (from the project root): `python -m loadtest.capacity` (what `make loadtest` runs); `--steps 5,10
--seconds 10 --history 2000` is a short form. It makes its own database (`leadhub_load`) and seeds it (a
history through seed_bulk, and the simulated organisations), starts gunicorn, one Celery worker, beat and an SMTP
sink, runs Locust headless once per step (`loadtest/locustfile.py`: the mix in docs/operations.md), reads the
CPU time of each process tree from /proc, prints one table and the data checks, and exits 1 if a check fails.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loadtest import stack
from loadtest.checks import check_data, data_ok, emails_owed
from loadtest.seed import seed_history, seed_people, write_people

P95_LIMIT_MS = 200
# Partner users are 6 of every 10 Locust users (locustfile weights); each has a session of their own.
PARTNER_SHARE = 0.6
KIND_ORDER = [
    "tab",
    "tab page 2",
    "search",
    "lead",
    "accept",
    "decline",
    "edit",
    "win",
    "favourite",
    "insights",
    "directory",
    "directory search",
    "partner page",
    "inquiry",
    "api list",
    "api lead",
    "api update",
]


def prepare_database(name: str) -> None:
    import psycopg

    if name in ("leadhub_bench", "leadhub"):
        raise SystemExit(f"Refusing to drop {name}: give the load test a database of its own.")
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def run_locust(*, host: str, users: int, seconds: float, people: Path, workdir: Path, extra: dict | None = None):
    """One headless Locust run: `users` spawned over a few seconds, then `seconds` of steady state measured.
    Returns (result dict, the Locust process's CPU seconds)."""
    result = workdir / f"locust-{users}.json"
    spawn = max(users / 10, 1)
    ramp = users / spawn
    env = os.environ | {"LOADTEST_PEOPLE": str(people), "LOADTEST_RESULT": str(result)} | (extra or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "locust", "-f", str(stack.ROOT / "loadtest" / "locustfile.py"), "--headless"]
        + ["--host", host, "-u", str(users), "-r", f"{spawn:g}", "-t", f"{int(ramp + seconds)}s"]
        + ["--reset-stats", "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "20"],
        env=env,
        cwd=stack.ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / f"locust-{users}.log", "w"),
    )
    return process, result


def server_errors(kinds: dict) -> int:
    return sum(
        count
        for kind in kinds.values()
        for code, count in kind["statuses"].items()
        if int(code) >= 500 or int(code) == 0
    )


def print_table(rows: list[dict], lines=print) -> None:
    """users, requests/s, p50/p95/p99 over every request (ms), server errors, then CPU seconds per process tree
    over the step (web = gunicorn, pg = the run database's backends, worker = Celery worker and beat, gen = Locust)
    and the generator's share of all of them."""
    lines(
        f"{'users':>6} {'req/s':>6} {'p50':>5} {'p95':>5} {'p99':>5} {'5xx':>4}"
        f" {'cpu web':>8} {'cpu pg':>7} {'cpu wrk':>8} {'cpu gen':>8} {'gen %':>6}  ok"
    )
    for row in rows:
        cpu = row["cpu"]
        total = sum(cpu.values()) or 1
        lines(
            f"{row['users']:>6} {row['rps']:>6.1f} {row['p50']:>5.0f} {row['p95']:>5.0f} {row['p99']:>5.0f}"
            f" {row['errors']:>4} {cpu['gunicorn']:>8.1f} {cpu['postgres']:>7.1f} {cpu['worker']:>8.1f}"
            f" {cpu['locust']:>8.1f} {100 * cpu['locust'] / total:>5.0f}%  {'yes' if row['ok'] else 'NO'}"
        )


def print_kinds(row: dict, lines=print) -> None:
    lines(f"Per page kind at {row['users']} users (ms; app = time inside Django, its median; queries; statuses):")
    kinds = row["kinds"]
    for name in [k for k in KIND_ORDER if k in kinds] + sorted(set(kinds) - set(KIND_ORDER)):
        kind = kinds[name]
        statuses = " ".join(f"{code}:{count}" for code, count in kind["statuses"].items())
        lines(
            f"  {name:<17} {kind['requests']:>6} req  p50 {kind['p50']:>5.0f}  p95 {kind['p95']:>5.0f}"
            f"  p99 {kind['p99']:>5.0f}  app {kind.get('app_p50') or 0:>5.1f}  q {kind.get('queries') or 0:>3.0f}"
            f"  {statuses}"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", default="100,250,500,750,1000,1250,1500,2000", help="user counts, ascending")
    parser.add_argument("--seconds", type=float, default=60, help="measured seconds per step (after the ramp)")
    parser.add_argument("--history", type=int, default=100_000, help="leads of history seeded through seed_bulk")
    parser.add_argument("--leads-per-org", type=int, default=300, help="fresh received leads per organisation")
    parser.add_argument("--database", default="leadhub_load")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/8", help="broker and cache of the run")
    parser.add_argument("--port", type=int, default=8170)
    parser.add_argument("--smtp-port", type=int, default=8825)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--think-scale", type=float, default=1.0, help="multiplies every think time (short forms)")
    parser.add_argument("--json", type=Path, help="also write the steps and the checks to this file")
    parser.add_argument("--all-steps", action="store_true", help="keep stepping after the first failed step")
    args = parser.parse_args(argv)
    steps = [int(s) for s in args.steps.split(",")]

    prepare_database(args.database)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="leadhub-load-"))
    with stack.SmtpSink(args.smtp_port) as sink:
        env = stack.server_env(database=args.database, redis=args.redis, extra={"EMAIL_URL": sink.url})
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command

        stack.forget_cache(args.redis)
        call_command("migrate", verbosity=0)
        seed_history(leads=args.history, partners=max(2, args.history // 2000))
        people = seed_people(users=int(max(steps) * PARTNER_SHARE) + 10, leads_per_org=args.leads_per_org)
        people_file = write_people(people, workdir / "people.json")
        owed_before = emails_owed()
        print(f"Seeded in {time.monotonic() - started:.0f} s; load average {stack.load_average()}", flush=True)

        web = stack.start_gunicorn(port=args.port, env=env, workers=args.web_workers, log=workdir / "web.log")
        hostname = f"load-{os.getpid()}@{os.uname().nodename}"
        worker = stack.start_celery(
            ["worker", "--concurrency", "2", "--hostname", hostname], env=env, log=workdir / "worker.log"
        )
        beat = stack.start_celery(
            ["beat", "--schedule", str(workdir / "beat-schedule")], env=env, log=workdir / "beat.log"
        )
        rows = []
        try:
            stack.wait_worker(worker, hostname)
            for users in steps:
                process, result_path = run_locust(
                    host=f"http://127.0.0.1:{args.port}",
                    users=users,
                    seconds=args.seconds,
                    people=people_file,
                    workdir=workdir,
                    extra={"LOADTEST_THINK_SCALE": str(args.think_scale)},
                )
                meter = stack.CpuMeter(
                    {
                        "gunicorn": lambda: [web.pid],
                        "postgres": stack.postgres_backends(args.database),
                        "worker": lambda: [worker.pid, beat.pid],
                        "locust": lambda p=process: [p.pid],
                    }
                )
                meter.start()
                process.wait()
                cpu = meter.stop()
                result = json.loads(result_path.read_text())
                errors = server_errors(result["kinds"])
                row = {
                    "users": users,
                    "rps": result["requests"] / result["seconds"] if result["seconds"] else 0,
                    "p50": result["p50"],
                    "p95": result["p95"],
                    "p99": result["p99"],
                    "errors": errors,
                    "cpu": cpu,
                    "kinds": result["kinds"],
                    "seconds": result["seconds"],
                    "load": stack.load_average(),
                }
                row["ok"] = errors == 0 and row["p95"] <= P95_LIMIT_MS
                rows.append(row)
                print_table([row])
                if not row["ok"] and not args.all_steps:
                    break
            # Let the worker send what the last step queued before the data is checked.
            deadline = time.monotonic() + 120
            while stack.redis_queue_length(args.redis) and time.monotonic() < deadline:
                time.sleep(1)
            time.sleep(3)
        finally:
            for process in (web, worker, beat):
                stack.stop(process)
        checks = check_data(sink.messages, owed_before)

    passed = [row for row in rows if row["ok"]]
    capacity = passed[-1]["users"] if passed and passed == rows[: len(passed)] else 0
    print()
    print(
        f"Capacity on this machine ({os.cpu_count()} cores): {capacity} users with p95 ≤ {P95_LIMIT_MS} ms and no 5xx"
    )
    print(f"(steps of {args.seconds:.0f} s measured after the ramp; CPU seconds over the whole step; load average at")
    print(f" the end of each step: {', '.join(row['load'] for row in rows)}; the generator shares the cores)")
    print_table(rows)
    if rows:
        shown = passed[-1] if passed else rows[0]
        print_kinds(shown)
        if rows[-1] is not shown:
            print_kinds(rows[-1])
    print("Data checks:", ", ".join(f"{key} {value}" for key, value in checks.items()))
    if args.json:
        args.json.write_text(json.dumps({"capacity": capacity, "steps": rows, "checks": checks}))
    # The verdict is on correctness (no 5xx, the data right); the capacity figure is what the steps show.
    ok = data_ok(checks) and all(row["errors"] == 0 for row in rows)
    print("PASS" if ok else "FAIL", f"(logs in {workdir})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
