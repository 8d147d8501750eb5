"""Work that runs on several database connections at once: the batch jobs drain a backlog side by side."""

import threading
from collections.abc import Callable

from django.db import connection


def on_connections(run: Callable[[], int], *, workers: int, name: str) -> int:
    """`run` on this thread and on `workers - 1` more (threads `name-1`, `name-2` ...), each with its own
    connection; the sum of what they returned. A helper's error is raised here once every thread has finished.

    Only on PostgreSQL outside a transaction: SQLite has one writer, and other connections could not see
    what a caller's open transaction holds. Elsewhere `run` runs once, on this thread.
    """
    if workers <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return run()
    totals, errors = [], []

    def helper() -> None:
        try:
            totals.append(run())
        except BaseException as error:  # noqa: BLE001 - re-raised on the calling thread below
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    helpers = [threading.Thread(target=helper, name=f"{name}-{index}") for index in range(1, workers)]
    for thread in helpers:
        thread.start()
    try:
        total = run()
    finally:
        for thread in helpers:
            thread.join()
    if errors:
        raise errors[0]
    return total + sum(totals)
