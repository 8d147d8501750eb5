"""Marks for the open lists' live refresh (leads.selectors.live): every change to a partner's leads, or to a
user's hearts, replaces their mark in the cache, so a poll knows whether its remembered fingerprint still holds.

A mark is replaced at once (a reader in the same transaction, or one a moment early, then recomputes from what the
database shows it) and again once the transaction commits (so whatever was computed before the commit is stale).
Lead saves mark their partner through a signal (leads.subscribers), so no write through the ORM is missed; the
set-based writers (the jobs, a bulk) mark theirs as they publish.
"""

import logging
import uuid
from collections.abc import Iterable
from functools import partial

from django.core.cache import cache
from django.db import transaction

from leads.selectors.live import ALL_MARK, partner_mark, user_mark

logger = logging.getLogger(__name__)


def leads_live_touch(*, partner_ids: Iterable = (), user_ids: Iterable = ()) -> None:
    partners = sorted(set(partner_ids))
    keys = (*([ALL_MARK] if partners else []), *map(partner_mark, partners), *map(user_mark, sorted(set(user_ids))))
    if not keys:
        return
    _replace(keys)
    connection = transaction.get_connection()
    savepoints = set(connection.savepoint_ids)
    if connection.in_atomic_block and any(
        isinstance(work, partial) and work.func is _replace and work.args == (keys,) and ids <= savepoints
        for ids, work, _robust in connection.run_on_commit
    ):
        return  # already to be replaced after this commit, by work that no rollback can drop without this change
    transaction.on_commit(partial(_replace, keys), robust=True)


def _replace(keys: tuple) -> None:
    try:
        cache.set_many(dict.fromkeys(keys, uuid.uuid4().hex), timeout=None)
    except Exception:  # a cache outage must not fail a change; the marks' safety net (REMEMBER_SECONDS) remains
        logger.exception("Could not mark the live lists as changed.")
