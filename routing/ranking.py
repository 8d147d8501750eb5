"""Ranking thousands of partners for one lead in milliseconds: indexes narrow the field before anything is scored.

The rules are routing.scoring's; this module only decides in what order to apply them. Eligibility is set
arithmetic over inverted indexes (by country, size, keyword, excluded keyword). Every eligible partner gets the
part of its score that needs no learnt statistics; statistics are then fetched for the best of them in batches,
and the search stops as soon as no partner left could overtake the current top `limit` even with a perfect
history. The result is the same as scoring every eligible partner, with a few dozen statistics read instead of
thousands.
"""
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
    capacity counts and statistics of its partners only, so a request reads a few dozen rows, never thousands.
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
    # The capacity part only falls as leads arrive, so with an empty month this is an upper bound.
    upper = {pid: static[pid] + keyword_part[keyword_hits.get(pid, 0)] + (same_city if pid in city_ids else location)
             for pid in pool}
    order = sorted(pool, key=lambda pid: (-upper[pid], pid))

    dims = hist.dimensions(lead_type=request.lead_type, company_size=request.company_size,
                           country=prepared.country, terms=prepared.terms)
    best: list[tuple[float, int, hist.Estimate]] = []
    room: dict[int, int] = {}
    start, size = 0, max(FIRST_BATCH, 4 * limit)
    while start < len(order):
        if len(best) >= limit and upper[order[start]] + WEIGHTS["history"] <= best[limit - 1][0]:
            break  # sorted by bound: nobody further down can overtake the current top
        batch = order[start:start + size]
        start, size = start + size, 2 * size
        batch_room = _room(index, batch, used)
        room.update(batch_room)
        batch = [pid for pid in batch if pid not in index.limited or pid in batch_room]
        records = history(batch, dims) if batch else {}
        for pid in batch:
            partial = upper[pid]
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
