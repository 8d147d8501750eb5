"""Ranking thousands of partners for one lead in milliseconds, touching only the partners that could win it.

The rules are routing.scoring's; this module only decides in what order to apply them. The Index keeps every
partner pre-sorted by the part of its score that does not depend on the lead (responsiveness, room), overall, per
country and per keyword. A match merges those orders into one that visits partners best upper bound first
(keywords and place added, a perfect history assumed), checks eligibility on each partner it visits, reads this
month's counts and the learnt statistics for one batch of them at a time, and stops as soon as no partner left
could overtake the current top `limit`. The result is then exactly that of scoring every eligible partner
(tests/routing/test_scoring.py); MAX_EXAMINED caps the rare search that the bound cannot stop.
"""

import functools
import heapq
import itertools
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace

from routing import history as hist
from routing import scoring
from routing.scoring import WEIGHTS, Candidate, LeadRequest
from routing.text import PhraseIndex

Dimension = tuple[str, str]
# (partner ids, dimensions) → {partner id: {dimension: Counts}}; partners without statistics may be left out.
HistoryLookup = Callable[[list[int], list[Dimension]], Mapping[int, Mapping[Dimension, hist.Counts]]]
# partner ids → {partner id: qualified leads received this month}
UsedLookup = Callable[[list[int]], Mapping[int, int]]

FIRST_BATCH = 60  # partners whose statistics are read first (one query); each further batch is three times larger
# Statistics are read for at most this many partners. The search usually stops long before (the bound proves
# nobody further down can win); when it does not — a need with no known keyword and no country, say — the rest
# fit the lead so little by keywords, place, speed and room that only a near-perfect record could lift them.
MAX_EXAMINED = 200


@dataclass(frozen=True)
class Match:
    partner_id: int
    slug: str
    name: str
    score: float
    reasons: list[dict]
    # The same reasons again, in the language active when called (a lead keeps them in every language).
    explain: Callable[[], list[dict]] = field(repr=False, compare=False)


class Index:
    """Every partner's routing data, arranged for fast candidate selection. Immutable once built."""

    def __init__(self, candidates: Iterable[Candidate]):
        self.candidates: dict[int, Candidate] = {candidate.partner_id: candidate for candidate in candidates}
        self.vocabulary = PhraseIndex(scoring.vocabulary_of(self.candidates.values()))
        self.limited: set[int] = set()
        self.by_country: dict[str, set[int]] = {}
        self.by_place: dict[tuple[str, str], set[int]] = {}
        self.keyword_owners: dict[str, set[int]] = {}
        self.excluded_owners: dict[str, list[int]] = {}
        self.static: dict[int, float] = {}
        for pid, candidate in self.candidates.items():
            if candidate.capacity is not None:
                self.limited.add(pid)
            for place in candidate.places:
                self.by_country.setdefault(place[0], set()).add(pid)
                self.by_place.setdefault(place, set()).add(pid)
            for term in candidate.keyword_terms:
                self.keyword_owners.setdefault(term, set()).add(pid)
            for term in candidate.excluded_terms:
                self.excluded_owners.setdefault(term, []).append(pid)
            self.static[pid] = scoring.static_value(candidate)
        # Everyone, and everyone in each country, best lead-independent part first: the order the search walks.
        self.by_static: list[int] = sorted(self.static, key=lambda pid: (-self.static[pid], pid))
        self.by_static_in: dict[str, list[int]] = {}
        # Each keyword's owners in the same order, overall ("") and per country.
        self.keyword_walk: dict[tuple[str, str], list[int]] = {}
        for pid in self.by_static:
            candidate = self.candidates[pid]
            for country in candidate.countries:
                self.by_static_in.setdefault(country, []).append(pid)
            for term in candidate.keyword_terms:
                for country in ("", *candidate.countries):
                    self.keyword_walk.setdefault((country, term), []).append(pid)

    def prepare(self, request: LeadRequest) -> scoring.Prepared:
        return scoring.prepare(request, self.vocabulary)


class _Gate:
    """Every rule of scoring.ineligibility but capacity (which needs this month's counts, read from outside),
    checked per partner, so a search pays only for the partners it visits."""

    def __init__(self, index: Index, prepared: scoring.Prepared, exclude: Collection[int]):
        self.candidates = index.candidates
        self.size = prepared.request.company_size
        self.in_country = index.by_country.get(prepared.country, set()) if prepared.country else None
        self.banned = set(exclude)
        for term in prepared.terms:
            self.banned.update(index.excluded_owners.get(term, ()))
        # Who to walk: the customer's country, or everyone when the customer gave none.
        self.walk = index.by_static_in.get(prepared.country, []) if prepared.country else index.by_static

    def __call__(self, pid: int) -> bool:
        candidate = self.candidates[pid]
        return (
            candidate.accepting
            and pid not in self.banned
            and (not self.size or not candidate.sizes or self.size in candidate.sizes)
            and (self.in_country is None or pid in self.in_country)
        )


def _room(index: Index, ids: list[int], used: UsedLookup) -> dict[int, int]:
    """This month's count of each capacity-limited partner among `ids` that still has room."""
    limited = [pid for pid in ids if pid in index.limited]
    counted = dict(used(limited)) if limited else {}
    return {pid: counted.get(pid, 0) for pid in limited if counted.get(pid, 0) < index.candidates[pid].capacity}


def eligible_pool(
    index: Index, prepared: scoring.Prepared, exclude: Collection[int], used: UsedLookup
) -> tuple[set[int], dict[int, int]]:
    """The ids scoring.ineligibility lets through, and this month's count of each capacity-limited one."""
    gate = _Gate(index, prepared, exclude)
    pool = [pid for pid in gate.walk if gate(pid)]
    room = _room(index, pool, used)
    return {pid for pid in pool if pid not in index.limited or pid in room}, room


def rank(
    index: Index,
    request: LeadRequest,
    *,
    history: HistoryLookup,
    used: UsedLookup,
    exclude: Collection[int] = (),
    limit: int = 10,
) -> list[Match]:
    """The best `limit` eligible partners for the request, best first, each with its score and reasons.

    Partners are visited in order of an upper bound of their score: the exact lead-independent part assuming
    no lead received this month, plus keywords and location, plus a perfect history. Each batch then reads the
    capacity counts and statistics of its partners only, so a request reads a few hundred rows, never thousands
    (at most MAX_EXAMINED partners' worth).
    """
    prepared = index.prepare(request)
    gate = _Gate(index, prepared, exclude)
    if limit < 1:
        return []
    static = index.static
    terms = sorted(term for term in prepared.terms if term in index.keyword_owners)
    owners = [index.keyword_owners[term] for term in terms]
    anyone = set().union(*owners)
    several = set()  # partners with two or more of the need's keywords
    for position, first in enumerate(owners):
        for second in owners[position + 1 :]:
            several |= first & second
    city_ids = index.by_place.get((prepared.country, prepared.city), set()) if prepared.city else set()
    location = WEIGHTS["location"] * (scoring.SAME_COUNTRY if prepared.country else 0.0)
    same_city = WEIGHTS["location"] * scoring.SAME_CITY
    keyword_part = [WEIGHTS["keywords"] * scoring.keyword_value(n) for n in range(len(terms) + 1)]

    # Partners are visited best bound first (with an empty month the capacity part is at its highest, so the
    # bound holds) by merging streams that are each already in that order: the few with several keywords or in
    # the customer's city, scored here; each keyword's other owners and everyone else, walked lazily in the
    # Index's pre-sorted order, so the search touches only the partners it reaches.
    explicit = []
    for pid in several | city_ids:
        if gate(pid):
            hits = sum(pid in group for group in owners)
            explicit.append((-(static[pid] + keyword_part[hits] + (same_city if pid in city_ids else location)), pid))
    explicit.sort()

    def walk(pids, bonus, skip):
        return ((-(static[pid] + bonus), pid) for pid in pids if pid not in skip and pid not in city_ids and gate(pid))

    streams = [
        explicit,
        *(
            walk(index.keyword_walk.get((prepared.country, term), ()), keyword_part[1] + location, several)
            for term in terms
        ),
        walk(gate.walk, location, anyone),
    ]
    order = heapq.merge(*streams)

    dims = hist.dimensions(
        lead_type=request.lead_type, company_size=request.company_size, country=prepared.country, terms=prepared.terms
    )
    # The current top `limit` as a min-heap of (score, -id): its root is the entry the next partner must beat.
    top: list[tuple[float, int, hist.Estimate]] = []
    room: dict[int, int] = {}
    size, examined, done = max(FIRST_BATCH, 5 * limit), 0, False
    while not done and examined < MAX_EXAMINED:
        batch_bounds = list(itertools.islice(order, min(size, MAX_EXAMINED - examined)))
        if not batch_bounds or (len(top) >= limit and -batch_bounds[0][0] + WEIGHTS["history"] <= top[0][0]):
            break
        size, examined = 3 * size, examined + len(batch_bounds)
        batch_room = _room(index, [pid for _bound, pid in batch_bounds], used)
        room.update(batch_room)
        batch = [(-bound, pid) for bound, pid in batch_bounds if pid not in index.limited or pid in batch_room]
        records = history([pid for _bound, pid in batch], dims) if batch else {}
        for partial, pid in batch:
            if len(top) >= limit and partial + WEIGHTS["history"] <= top[0][0]:
                done = True  # visited by bound: nobody further down can overtake the current top
                break
            if pid in batch_room:
                capacity = index.candidates[pid].capacity
                partial -= WEIGHTS["capacity"] * (1.0 - scoring.capacity_value(capacity, batch_room[pid]))
            estimate = hist.estimate(records.get(pid, {}), dims)
            entry = (partial + WEIGHTS["history"] * scoring.history_value(estimate), -pid, estimate)
            if len(top) < limit:
                heapq.heappush(top, entry)
            elif entry[:2] > top[0][:2]:
                heapq.heapreplace(top, entry)
    best = [
        (total, -negative_pid, estimate)
        for total, negative_pid, estimate in sorted(top, key=lambda entry: entry[:2], reverse=True)
    ]

    matches = []
    for _total, pid, estimate in best:
        candidate = index.candidates[pid]
        if pid in room:
            candidate = replace(candidate, used_this_month=room[pid])
        value, reasons = scoring.score(prepared, candidate, estimate)
        explain = functools.partial(scoring.explain, prepared, candidate, estimate)
        matches.append(Match(pid, candidate.slug, candidate.name, value, reasons, explain))
    return matches
