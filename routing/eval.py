"""`make routing-eval`: a seeded synthetic year that measures whether LeadHub's routing beats simpler rules.

Each partner has hidden true preferences that its profile only partly states: some listed keywords it actually
declines, some unlisted needs it would take, sizes it really serves, how often it lets a lead expire, how fast
it answers and how well it sells. One stream of qualified leads is routed three ways: (a) a random eligible
partner, (b) the eligible partner with the most profile keywords in the need, (c) LeadHub's score, learning as
it goes through the production code (routing.ranking, routing.scoring, routing.history), with statistics kept in
memory and answers arriving when they would (an expiry 14 days later, a win or loss weeks after acceptance).
It prints, for the last quarter of the year, the acceptance rate, the win rate and the median time to answer.

Run: `python -m routing.eval [--partners 500] [--leads 12000] [--seed 1]`.
"""

import argparse
import heapq
import math
import os
import random
import statistics
import sys
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import django

from routing import history as hist
from routing import scoring
from routing.fake import SIZES, SPECIALTIES, fake_profiles, fake_request_fields
from routing.history import Outcome, month_of
from routing.ranking import Index, eligible_pool, rank
from routing.scoring import Candidate, LeadRequest
from routing.text import normalise

HOURS_PER_MONTH = 365 * 24 / 12
START = datetime(2026, 1, 1, tzinfo=UTC)
RESPONSE_HOURS = 14 * 24
OTHER_DECLINES = ["insufficient_information", "customer_unreachable", "no_budget", "timeline_too_short", "other"]


@dataclass
class TruePartner:
    pid: int
    profile: object  # routing.fake.FakeProfile
    liked: set[str]
    disliked: set[str]
    sizes: set[str]
    accept_base: float
    expire_rate: float
    speed_hours: float
    skill: float


@dataclass
class Lead:
    number: int
    hours: float
    request: LeadRequest
    terms: set[str]


@dataclass
class Tally:
    routed: int = 0
    accepted: int = 0
    won: int = 0
    answer_hours: list[float] = field(default_factory=list)

    def row(self) -> dict:
        return {
            "routed": self.routed,
            "acceptance": self.accepted / self.routed if self.routed else 0.0,
            "win": self.won / self.routed if self.routed else 0.0,
            "win_of_accepted": self.won / self.accepted if self.accepted else 0.0,
            "median_hours": statistics.median(self.answer_hours) if self.answer_hours else math.nan,
        }


def make_world(count: int, seed: int) -> list[TruePartner]:
    rng = random.Random(f"world:{seed}")
    world = []
    for pid, profile in enumerate(fake_profiles(count, seed=seed, slug_prefix="eval"), start=1):
        listed = [normalise(term) for term in profile.keywords]
        disliked = set(rng.sample(listed, round(0.3 * len(listed))))
        unlisted = [normalise(term) for term in SPECIALTIES[profile.specialty] if normalise(term) not in listed]
        liked = (set(listed) - disliked) | set(rng.sample(unlisted, min(2, len(unlisted))))
        start = rng.randrange(len(SIZES))
        sizes = set(profile.company_sizes) or set(SIZES[start : start + 3])
        sluggish = rng.random() < 0.35
        world.append(
            TruePartner(
                pid=pid,
                profile=profile,
                liked=liked,
                disliked=disliked,
                sizes=sizes,
                accept_base=rng.uniform(0.55, 0.95),
                expire_rate=rng.uniform(0.25, 0.5) if sluggish else rng.uniform(0.02, 0.1),
                speed_hours=rng.uniform(40, 120) if sluggish else rng.uniform(3, 30),
                skill=rng.uniform(0.15, 0.5),
            )
        )
    return world


def make_leads(count: int, seed: int) -> list[Lead]:
    rng = random.Random(f"leads:{seed}")
    leads = []
    for number in range(count):
        fields_ = fake_request_fields(rng)
        terms = {normalise(term) for term in fields_.pop("terms")}
        leads.append(Lead(number, number * 365 * 24 / count, LeadRequest(**fields_), terms))
    return leads


def answer(partner: TruePartner, lead: Lead, seed: int):
    """(kind, reason, hours to answer, won or None, hours to close): the same lead and partner always answer alike."""
    rng = random.Random(f"answer:{seed}:{lead.number}:{partner.pid}")
    fit, dislike = bool(lead.terms & partner.liked), bool(lead.terms & partner.disliked)
    size_fits = lead.request.company_size in partner.sizes
    chance = partner.accept_base if fit and not dislike else 0.1 if dislike else 0.2
    if not size_fits:
        chance *= 0.4
    hours = min(rng.lognormvariate(math.log(partner.speed_hours), 0.7), RESPONSE_HOURS - 1)
    if rng.random() < partner.expire_rate:
        return "expired", "", RESPONSE_HOURS, None, 0.0
    if rng.random() < chance:
        won = rng.random() < min(0.9, partner.skill * (1.3 if fit and size_fits else 0.6))
        return "accepted", "", hours, won, hours + rng.uniform(20, 120) * 24
    misfit = not fit or dislike or not size_fits
    if rng.random() < 0.03:
        reason = "duplicate_or_spam"
    elif misfit and rng.random() < 0.85:
        reason = "not_a_fit"
    else:
        reason = rng.choice(OTHER_DECLINES)
    return "declined", reason, hours, None, 0.0


class Simulation:
    """One policy's year: its own statistics, capacity counters and response times, learnt only from its leads."""

    def __init__(self, world: list[TruePartner], policy: str, seed: int):
        self.world = {partner.pid: partner for partner in world}
        self.policy, self.seed = policy, seed
        self.rng = random.Random(f"policy:{seed}:{policy}")
        self.base = [
            Candidate(
                partner_id=p.pid,
                slug=p.profile.slug,
                name=p.profile.name,
                keywords=tuple(p.profile.keywords),
                excluded_keywords=tuple(p.profile.excluded_keywords),
                sizes=frozenset(p.profile.company_sizes),
                locations=tuple(p.profile.locations),
                accepting=p.profile.accepting_leads,
                capacity=p.profile.monthly_capacity,
            )
            for p in world
        ]
        self.stats: dict[int, dict] = {}
        self.months: dict[tuple[int, object], int] = {}
        self.answers: dict[int, list[tuple[float, float]]] = {}
        self.events: list = []
        self.month = -1
        self.index = None

    # The production logic, in memory: routing.services.outcome_record and the selectors' lookups.
    def record(self, outcome) -> None:
        counter, dims = hist.outcome_increments(outcome, self.index.vocabulary)
        if counter is not None:
            record = self.stats.setdefault(outcome.partner_id, {})
            for dim in dims:
                record.setdefault(dim, hist.Counts()).add(counter)
        if hist.counts_capacity(outcome):
            key = (outcome.partner_id, hist.month_of(outcome.at))
            self.months[key] = self.months.get(key, 0) + 1

    def history(self, ids, dims):
        return {pid: self.stats[pid] for pid in ids if pid in self.stats}

    def used_at(self, hours):
        month = month_of(START + timedelta(hours=hours))
        return lambda ids: {pid: self.months.get((pid, month), 0) for pid in ids}

    def refresh(self, hours: float) -> None:
        """Monthly, like the production snapshot: partners' median time to answer over the last 90 days."""
        since = hours - 90 * 24
        medians = {
            pid: statistics.median(took for at, took in times if at >= since)
            for pid, times in self.answers.items()
            if any(at >= since for at, _took in times)
        }
        self.index = Index(replace(c, median_response_hours=medians.get(c.partner_id)) for c in self.base)

    def choose(self, lead: Lead, used) -> int | None:
        if self.policy == "leadhub":
            best = rank(self.index, lead.request, history=self.history, used=used, limit=1)
            return best[0].partner_id if best else None
        prepared = self.index.prepare(lead.request)
        pool, _counted = eligible_pool(self.index, prepared, (), used)
        if not pool:
            return None
        ids = sorted(pool)
        if self.policy == "keywords":
            overlap = {pid: len(scoring.matched_keywords(prepared, self.index.candidates[pid])) for pid in ids}
            top = max(overlap.values())
            ids = [pid for pid in ids if overlap[pid] == top]
        return self.rng.choice(ids)

    def run(self, leads: list[Lead], measured_from: float) -> Tally:
        tally = Tally()
        for lead in leads:
            while self.events and self.events[0][0] <= lead.hours:
                self.record(heapq.heappop(self.events)[2])
            month = int(lead.hours // HOURS_PER_MONTH)
            if month != self.month:
                self.month = month
                self.refresh(lead.hours)
            pid = self.choose(lead, self.used_at(lead.hours))
            if pid is None:
                continue
            request = lead.request
            common = {
                "partner_id": pid,
                "lead_type": request.lead_type,
                "company_size": request.company_size,
                "need": request.need,
                "country": request.country,
            }
            self.record(Outcome(kind="received", at=START + timedelta(hours=lead.hours), **common))
            kind, reason, took, won, close = answer(self.world[pid], lead, self.seed)
            at = lead.hours + took
            heapq.heappush(self.events, (at, lead.number * 3, Outcome(kind=kind, reason=reason, **common)))
            if kind != "expired":
                self.answers.setdefault(pid, []).append((at, took))
            if won is not None:
                heapq.heappush(
                    self.events,
                    (lead.hours + close, lead.number * 3 + 1, Outcome(kind="won" if won else "lost", **common)),
                )
            if lead.hours >= measured_from:
                tally.routed += 1
                tally.accepted += kind == "accepted"
                tally.won += bool(won)
                if kind != "expired":
                    tally.answer_hours.append(took)
        return tally


POLICIES = {"random": "random eligible partner", "keywords": "keyword overlap alone", "leadhub": "LeadHub score"}


def evaluate(*, partners: int = 500, leads: int = 12_000, seed: int = 1) -> dict[str, dict]:
    """Each policy's last-quarter figures: routed, acceptance, win (per routed lead), win_of_accepted, median_hours."""
    world = make_world(partners, seed)
    stream = make_leads(leads, seed)
    measured_from = 0.75 * 365 * 24
    return {policy: Simulation(world, policy, seed).run(stream, measured_from).row() for policy in POLICIES}


def verdict(results: dict[str, dict]) -> list[str]:
    """The conditions LeadHub must meet against keyword overlap alone; empty when it meets them."""
    leadhub, keywords = results["leadhub"], results["keywords"]
    problems = []
    if leadhub["acceptance"] < 1.10 * keywords["acceptance"]:
        problems.append("acceptance is not at least 10% (relative) above keyword overlap's")
    if leadhub["win"] < keywords["win"]:
        problems.append("win rate is below keyword overlap's")
    return problems


def table(results: dict[str, dict]) -> str:
    header = (
        f"{'policy (last quarter)':<26} {'routed':>7} {'accepted':>9} {'won/routed':>11} "
        f"{'won/accepted':>13} {'median answer':>14}"
    )
    lines = [header]
    for policy, row in results.items():
        lines.append(
            f"{POLICIES[policy]:<26} {row['routed']:>7} {row['acceptance']:>9.1%} {row['win']:>11.1%} "
            f"{row['win_of_accepted']:>13.1%} {row['median_hours']:>12.1f} h"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=500)
    parser.add_argument("--leads", type=int, default=12_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    results = evaluate(partners=args.partners, leads=args.leads, seed=args.seed)
    print(f"Synthetic year: {args.partners} partners, {args.leads} qualified leads, seed {args.seed}.")
    print(table(results))
    problems = verdict(results)
    lift = results["leadhub"]["acceptance"] / max(results["keywords"]["acceptance"], 1e-9) - 1
    print(
        f"LeadHub vs keyword overlap: acceptance {lift:+.1%} relative; "
        f"win rate {results['leadhub']['win'] - results['keywords']['win']:+.1%} points."
    )
    for problem in problems:
        print(f"FAIL: LeadHub's {problem}.")
    return 1 if problems else 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadhub.settings.local")
    django.setup()  # the scoring's reasons are translated strings; no database is touched
    sys.exit(main())
