"""Ranking thousands of partners for one lead in milliseconds: indexes narrow the field before anything is scored.

The rules are routing.scoring's; this module only decides in what order to apply them. Eligibility is set
arithmetic over inverted indexes (by country, size, keyword, excluded keyword). Eligible partners are then visited
best first by the part of their score that needs no learnt statistics (the Index keeps everyone pre-sorted by its
lead-independent part, so only partners the search reaches are touched); statistics are fetched in batches, and
the search stops as soon as no partner left could overtake the current top `limit` even with a perfect
history. The result is then the same as scoring every eligible partner (tests/routing/test_scoring.py), with a
few hundred statistics read instead of tens of thousands; MAX_EXAMINED caps the rare search that the bound
cannot stop.
"""
import heapq
import itertools
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace

from routing import history as hist
from routing import scoring
from routing.scoring import WEIGHTS, Candidate, LeadRequest
from routing.text import PhraseIndex

Dimension = tuple[str, str]
# (partner ids, dimensions) → {partner id: {dimension: Counts}}; partners without statistics may be left out.
HistoryLookup = Callable[[list[int], list[Dimension]], Mapping[int, Mapping[Dimension, hist.Counts]]]
# partner ids → {partner id: qualified leads received this month}
UsedLookup = Callable[[list[int]], Mapping[int, int]]

FIRST_BATCH = 48  # partners whose statistics are read first (one query); each further batch is twice as large
# Statistics are read for at most this many partners. The search usually stops long before (the bound proves
# nobody further down can win); when it does not — a need with no known keyword and no country, say — the rest
# fit the lead so little by keywords, place, speed and room that only a near-perfect record could lift them.
MAX_EXAMINED = 400


@dataclass(frozen=True)
class Match:
    partner_id: int
    slug: str
    name: str
    score: float
    reasons: list[dict]


class Index:
    """Every partner's routing data, arranged for fast candidate selection. Immutable once built."""

    def __init__(self, candidates: Iterable[Candidate]):
        self.candidates: dict[int, Candidate] = {candidate.partner_id: candidate for candidate in candidates}
        self.vocabulary = PhraseIndex(scoring.vocabulary_of(self.candidates.values()))
        self.accepting: set[int] = set()
        self.limited: set[int] = set()
        self.any_size: set[int] = set()
        self.by_size: dict[str, set[int]] = {}
        self.by_country: dict[str, set[int]] = {}
        self.by_place: dict[tuple[str, str], set[int]] = {}
        self.keyword_owners: dict[str, list[int]] = {}
        self.excluded_owners: dict[str, list[int]] = {}
        self.static: dict[int, float] = {}
        for pid, candidate in self.candidates.items():
            if candidate.accepting:
                self.accepting.add(pid)
            if candidate.capacity is not None:
                self.limited.add(pid)
            if not candidate.sizes:
                self.any_size.add(pid)
            for size in candidate.sizes:
                self.by_size.setdefault(size, set()).add(pid)
            for place in candidate.places:
                self.by_country.setdefault(place[0], set()).add(pid)
                self.by_place.setdefault(place, set()).add(pid)
            for term in candidate.keyword_terms:
                self.keyword_owners.setdefault(term, []).append(pid)
            for term in candidate.excluded_terms:
                self.excluded_owners.setdefault(term, []).append(pid)
            self.static[pid] = scoring.static_value(candidate)
        self.by_static: list[int] = sorted(self.static, key=lambda pid: (-self.static[pid], pid))

    def __len__(self) -> int:
        return len(self.candidates)

    def prepare(self, request: LeadRequest) -> scoring.Prepared:
        return scoring.prepare(request, self.vocabulary)


def _open_pool(index: Index, prepared: scoring.Prepared, exclude: Collection[int]) -> set[int]:
    """The ids every rule but capacity lets through (capacity needs this month's counts, read from outside)."""
    pool = set(index.accepting)
    size = prepared.request.company_size
    if size:
        pool &= index.by_size.get(size, set()) | index.any_size
    if prepared.country:
        pool &= index.by_country.get(prepared.country, set())
    for term in prepared.terms:
        pool.difference_update(index.excluded_owners.get(term, ()))
    pool.difference_update(exclude)
    return pool


def _room(index: Index, ids: list[int], used: UsedLookup) -> dict[int, int]:
    """This month's count of each capacity-limited partner among `ids` that still has room."""
    limited = [pid for pid in ids if pid in index.limited]
    counted = dict(used(limited)) if limited else {}
    return {pid: counted.get(pid, 0) for pid in limited if counted.get(pid, 0) < index.candidates[pid].capacity}


def eligible_pool(index: Index, prepared: scoring.Prepared, exclude: Collection[int],
                  used: UsedLookup) -> tuple[set[int], dict[int, int]]:
    """The ids scoring.ineligibility lets through, and this month's count of each capacity-limited one."""
    pool = _open_pool(index, prepared, exclude)
    room = _room(index, sorted(pool), used)
    return {pid for pid in pool if pid not in index.limited or pid in room}, room


def rank(index: Index, request: LeadRequest, *, history: HistoryLookup, used: UsedLookup,
         exclude: Collection[int] = (), limit: int = 10) -> list[Match]:
    """The best `limit` eligible partners for the request, best first, each with its score and reasons.

    Partners are visited in order of an upper bound of their score: the exact lead-independent part assuming
    no lead received this month, plus keywords and location, plus a perfect history. Each batch then reads the
    capacity counts and statistics of its partners only, so a request reads a few hundred rows, never thousands
    (at most MAX_EXAMINED partners' worth).
    """
    prepared = index.prepare(request)
    pool = _open_pool(index, prepared, exclude)
    if not pool or limit < 1:
        return []
    keyword_hits: dict[int, int] = {}
    for term in prepared.terms:
        for pid in index.keyword_owners.get(term, ()):
            keyword_hits[pid] = keyword_hits.get(pid, 0) + 1
    city_ids = index.by_place.get((prepared.country, prepared.city), set()) if prepared.city else set()
    location = WEIGHTS["location"] * (scoring.SAME_COUNTRY if prepared.country else 0.0)
    same_city = WEIGHTS["location"] * scoring.SAME_CITY
    keyword_part = [WEIGHTS["keywords"] * scoring.keyword_value(n) for n in range(len(prepared.terms) + 1)]
    static = index.static
    # With an empty month the capacity part is at its highest, so `upper` bounds each partner's partial score.
    special = (keyword_hits.keys() | city_ids) & pool
    upper = {pid: static[pid] + keyword_part[keyword_hits.get(pid, 0)] + (same_city if pid in city_ids else location)
             for pid in special}
    # Everyone else differs only by the lead-independent part, already sorted in the Index: merging the two
    # orders visits partners best bound first while touching only those the search reaches.
    others = ((-(static[pid] + location), pid) for pid in index.by_static if pid in pool and pid not in special)
    order = heapq.merge(sorted((-upper[pid], pid) for pid in special), others)

    dims = hist.dimensions(lead_type=request.lead_type, company_size=request.company_size,
                           country=prepared.country, terms=prepared.terms)
    best: list[tuple[float, int, hist.Estimate]] = []
    room: dict[int, int] = {}
    size, examined = max(FIRST_BATCH, 4 * limit), 0
    while examined < MAX_EXAMINED and (batch_bounds := list(itertools.islice(order, min(size, MAX_EXAMINED -
                                                                                       examined)))):
        if len(best) >= limit and -batch_bounds[0][0] + WEIGHTS["history"] <= best[limit - 1][0]:
            break  # visited by bound: nobody further down can overtake the current top
        size, examined = 2 * size, examined + len(batch_bounds)
        batch_room = _room(index, [pid for _bound, pid in batch_bounds], used)
        room.update(batch_room)
        batch = [(-bound, pid) for bound, pid in batch_bounds if pid not in index.limited or pid in batch_room]
        records = history([pid for _bound, pid in batch], dims) if batch else {}
        for partial, pid in batch:
            if pid in batch_room:
                capacity = index.candidates[pid].capacity
                partial -= WEIGHTS["capacity"] * (1.0 - scoring.capacity_value(capacity, batch_room[pid]))
            estimate = hist.estimate(records.get(pid, {}), dims)
            best.append((partial + WEIGHTS["history"] * scoring.history_value(estimate), pid, estimate))
        best.sort(key=lambda entry: (-entry[0], entry[1]))
        del best[limit:]

    matches = []
    for _total, pid, estimate in best:
        candidate = index.candidates[pid]
        if pid in room:
            candidate = replace(candidate, used_this_month=room[pid])
        value, reasons = scoring.score(prepared, candidate, estimate)
        matches.append(Match(pid, candidate.slug, candidate.name, value, reasons))
    return matches
