"""An in-process copy of every partner's routing data, rebuilt when a version number in the shared cache moves.

Reading 10,000 profiles takes a few hundred milliseconds; matching must take a few. Each process keeps the Index
built from the last version it saw and checks the version (one cache read) on every use. Profile, location and
organisation saves bump it through signals (routing.apps); writers that bypass signals (bulk seeding, the leads
app's queryset update of median response hours) call `partners_changed()`, and a snapshot older than MAX_AGE
is rebuilt anyway, so a missed bump costs minutes of staleness, never a wrong partner forever.
"""

import logging
import threading
import time

from django.core.cache import cache
from django.db import transaction

from profiles.models import BusinessProfile, Location
from routing.ranking import Index
from routing.scoring import Candidate

logger = logging.getLogger(__name__)

VERSION_KEY = "routing:partners-version"
MAX_AGE = 300.0
VERSION_CHECK_SECONDS = 1.0  # another process's change shows here within this time; this process's at once

_lock = threading.Lock()
_state: dict = {"version": None, "built_at": 0.0, "checked_at": 0.0, "index": None}


def _bump() -> None:
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, 1, timeout=None)
    except Exception:  # a cache outage must not fail a profile save; MAX_AGE bounds the staleness
        logger.warning("Could not bump the routing version in the cache", exc_info=True)


def _version():
    try:
        return cache.get(VERSION_KEY)
    except Exception:  # matching goes on with the snapshot it has, rebuilt after MAX_AGE
        logger.warning("Could not read the routing version from the cache", exc_info=True)
        return _state["version"]


def partners_changed() -> None:
    """Tell every process that partners' routing data changed: now, and again once the transaction commits.

    The first bump lets this transaction's own later matches see the change; the second one drops any snapshot
    that another process built from the data before the commit.
    """
    _bump()
    forget()
    transaction.on_commit(_bump)


def partners_changed_signal(sender, **kwargs) -> None:
    partners_changed()


def load_candidates() -> list[Candidate]:
    places: dict[int, list[tuple[str, str]]] = {}
    for profile_id, country, city in Location.objects.values_list("profile_id", "country", "city").iterator(2000):
        places.setdefault(profile_id, []).append((country, city))
    rows = BusinessProfile.objects.values_list(
        "pk",
        "organisation_id",
        "organisation__slug",
        "organisation__name",
        "keywords",
        "excluded_keywords",
        "company_sizes",
        "accepting_leads",
        "monthly_capacity",
        "median_response_hours",
    )
    return [
        Candidate(
            partner_id=org_id,
            slug=slug,
            name=name,
            keywords=tuple(keywords or ()),
            excluded_keywords=tuple(excluded or ()),
            sizes=frozenset(sizes or ()),
            locations=tuple(places.get(pk, ())),
            accepting=accepting,
            capacity=capacity,
            median_response_hours=hours,
        )
        for pk, org_id, slug, name, keywords, excluded, sizes, accepting, capacity, hours in rows.iterator(2000)
    ]


def current_index() -> Index:
    """The Index for the current version of the partners' data, building it when this process has none."""
    state, now = _state, time.monotonic()
    if state["index"] is not None and now - state["checked_at"] < VERSION_CHECK_SECONDS:
        return state["index"]
    version = _version()
    with _lock:
        if state["index"] is None or state["version"] != version or now - state["built_at"] >= MAX_AGE:
            index = Index(load_candidates())
            state.update(version=version, built_at=time.monotonic(), index=index)
        state["checked_at"] = now
        return state["index"]


def forget() -> None:
    """Drop this process's snapshot: its next match reads the partners again."""
    with _lock:
        _state.update(version=None, built_at=0.0, checked_at=0.0, index=None)
