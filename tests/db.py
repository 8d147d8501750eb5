"""Helpers for tests that race real PostgreSQL connections."""

import time

from django.db import connection


def wait_until_another_connection_waits_for_a_lock(timeout: float = 10.0, *, who: str = "the other connection"):
    """Block until some other session of this database is waiting on a lock (e.g. our row lock)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Statistics views are snapshotted per transaction; drop the snapshot to see the present.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError(f"{who} never waited for the row lock")
