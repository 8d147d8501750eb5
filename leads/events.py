"""The one door side effects leave by: services record what happened to leads, subscribers and followers react.

A service publishes each history event it records, inside its transaction (the jobs: one call per batch).
Every subscriber runs at once, in that same transaction, so what it writes (a delivery row, a statistic)
commits or rolls back with the change itself; work outside the database (queueing a task) it hands to
`after_commit`. A follower runs later, on a worker, once the change has committed: one task per published batch
(`follow_up`) carries the batch to every follower, however many there are, so the expiry job's thousand-lead
batch queues one message rather than one per follower. Subscribers and followers register in their app's
`AppConfig.ready()`, so a new one touches no service: e-mail and routing's lessons (leads), and above leads
webhooks and insights.
"""

import logging
import uuid
from collections.abc import Callable, Collection, Sequence
from functools import partial
from typing import NamedTuple

from celery import shared_task
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
_followers: dict[Subscriber, frozenset[str]] = {}


def subscribe(subscriber: Subscriber) -> Subscriber:
    """Call `subscriber` with every published batch from now on (once, however often this is called)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    return subscriber


def follow(follower: Subscriber, *, actions: Collection[str]) -> Subscriber:
    """Call `follower` on a worker, after the commit, with each published batch's happenings of these `actions`
    (once, however often this is called). It must be importable by the worker: a module-level function,
    registered in an `AppConfig.ready()`. A lost task loses its call: a follower's work needs a catch-up (a
    nightly rebuild, the e-mails' catch-up job)."""
    _followers[follower] = frozenset(str(action) for action in actions)
    return follower


def publish(happenings: Sequence[Happened]) -> None:
    """Hand what happened to every subscriber, in the caller's transaction (a subscriber's error rolls it back), and
    queue the followers' share as one task once it commits."""
    if not happenings:
        return
    for subscriber in _subscribers:
        subscriber(happenings)
    wanted = frozenset().union(*_followers.values())
    followed = [
        [str(happened.action), str(happened.lead_id), *happened[2:]]
        for happened in happenings
        if happened.action in wanted
    ]
    if followed:
        after_commit(partial(follow_up.apply_async, kwargs={"happenings": followed}, kwargsrepr=_repr(followed)))


def _repr(followed: list) -> str:
    """What the worker's log and the result backend show of a follow-up: its size, not a thousand lead ids
    (Celery would otherwise write out every argument for each message, a millisecond per batch)."""
    return f"{{'happenings': <{len(followed)} lead events>}}"


@shared_task(name="leads.events.follow_up")
def follow_up(*, happenings: list[list]) -> int:
    """A committed batch's happenings, to each follower that wants some of them. A follower that raises is logged
    and the others still run; the task then fails with the first error. Returns how many happenings came."""
    batch = [Happened(action, uuid.UUID(lead_id), *rest) for action, lead_id, *rest in happenings]
    errors = []
    for follower, actions in list(_followers.items()):
        share = [happened for happened in batch if happened.action in actions]
        if not share:
            continue
        try:
            follower(share)
        except Exception as error:  # noqa: BLE001 - the other followers still run; re-raised below
            logger.exception("Follower %s failed on %d lead events", follower.__qualname__, len(share))
            errors.append(error)
    if errors:
        raise errors[0]
    return len(batch)


def after_commit(work: Callable[[], None]) -> None:
    """Run `work` once the transaction commits, never after a rollback.

    Robust: once a person's change is committed, a broker hiccup is logged rather than reported to them as a
    failure; the catch-up jobs (e-mails, webhooks) send what the lost task would have.
    """
    transaction.on_commit(work, robust=True)
