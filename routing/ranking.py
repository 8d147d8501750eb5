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


def eligible_pool(index: Index, prepared: scoring.Prepared, exclude: Collection[int],
                  used: UsedLookup) -> tuple[set[int], dict[int, int]]:
    """The ids scoring.ineligibility lets through, and this month's count of each capacity-limited one."""
    pool = set(index.accepting)
    size = prepared.request.company_size
    if size:
        pool &= index.by_size.get(size, set()) | index.any_size
    if prepared.country:
        pool &= index.by_country.get(prepared.country, set())
    for term in prepared.terms:
        pool.difference_update(index.excluded_owners.get(term, ()))
    pool.difference_update(exclude)
    limited = sorted(pool & index.limited)
    counted = dict(used(limited)) if limited else {}
    for pid in limited:
        counted.setdefault(pid, 0)
        if counted[pid] >= index.candidates[pid].capacity:
            pool.discard(pid)
            del counted[pid]
    return pool, counted


def rank(index: Index, request: LeadRequest, *, history: HistoryLookup, used: UsedLookup,
         exclude: Collection[int] = (), limit: int = 10) -> list[Match]:
    """The best `limit` eligible partners for the request, best first, each with its score and reasons."""
    prepared = index.prepare(request)
    pool, counted = eligible_pool(index, prepared, exclude, used)
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

    static = dict(index.static)
    for pid, received in counted.items():
        candidate = index.candidates[pid]
        static[pid] = (WEIGHTS["responsiveness"] * scoring.responsiveness_value(candidate.median_response_hours)
                       + WEIGHTS["capacity"] * scoring.capacity_value(candidate.capacity, received))
    partial = {}
    for pid in pool:
        partial[pid] = (static[pid] + keyword_part[keyword_hits.get(pid, 0)]
                        + (same_city if pid in city_ids else location))
    order = sorted(pool, key=lambda pid: (-partial[pid], pid))

    dims = hist.dimensions(lead_type=request.lead_type, company_size=request.company_size,
                           country=prepared.country, terms=prepared.terms)
    best: list[tuple[float, int, hist.Estimate]] = []
    start, size = 0, max(FIRST_BATCH, 4 * limit)
    while start < len(order):
        if len(best) >= limit and partial[order[start]] + WEIGHTS["history"] <= best[limit - 1][0]:
            break  # sorted: nobody further down can overtake the current top, even with a perfect history
        batch = order[start:start + size]
        start, size = start + size, 2 * size
        records = history(batch, dims)
        for pid in batch:
            estimate = hist.estimate(records.get(pid, {}), dims)
            best.append((partial[pid] + WEIGHTS["history"] * scoring.history_value(estimate), pid, estimate))
        best.sort(key=lambda entry: (-entry[0], entry[1]))
        del best[limit:]

    matches = []
    for _total, pid, estimate in best:
        candidate = index.candidates[pid]
        if pid in counted:
            candidate = replace(candidate, used_this_month=counted[pid])
        value, reasons = scoring.score(prepared, candidate, estimate)
        matches.append(Match(pid, candidate.slug, candidate.name, value, reasons))
    return matches
