"""The one door side effects leave by: services record what happened to leads, subscribers react.

A service publishes each history event it records, inside its transaction (the jobs: one call per batch).
Every subscriber runs at once, in that same transaction, so what it writes (a delivery row, a statistic)
commits or rolls back with the change itself; work outside the database (queueing a task) it hands to
`after_commit`. Subscribers register in their app's `AppConfig.ready()`, so a new one touches no service:
e-mail (leads), and above leads webhooks and insights.
"""

import logging
import uuid
from collections.abc import Callable, Sequence
from typing import NamedTuple

from django.db import transaction

logger = logging.getLogger(__name__)


class Happened(NamedTuple):
    """One history event of one lead, as subscribers see it."""

    action: str  # an EventAction value: create, accept, decline, expire, edit, team, win, lose, note
    lead_id: uuid.UUID
    partner_id: int
    event_id: int
    from_status: str
    to_status: str


Subscriber = Callable[[Sequence[Happened]], None]
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> Subscriber:
    """Call `subscriber` with every published batch from now on (once, however often this is called)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    return subscriber


def publish(happenings: Sequence[Happened]) -> None:
    """Hand what happened to every subscriber, in the caller's transaction; a subscriber's error rolls it back."""
    if not happenings:
        return
    for subscriber in _subscribers:
        subscriber(happenings)


def after_commit(work: Callable[[], None]) -> None:
    """Run `work` once the transaction commits, never after a rollback.

    Robust: once a person's change is committed, a broker hiccup is logged rather than reported to them as a
    failure; the catch-up jobs (e-mails, webhooks) send what the lost task would have.
    """
    transaction.on_commit(work, robust=True)
