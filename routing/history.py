"""What a partner's past answers say about a new lead: counters per similar-lead dimension and their smoothed rates.

Pure (no database): production (routing.services), the nightly rebuild and routing.eval all count with
`outcome_increments` and read with `estimate`, so the three can never disagree on what an outcome means.
"""

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime

from routing.text import PhraseIndex

KINDS = ("received", "accepted", "declined", "expired", "won", "lost")
NOT_A_FIT = "not_a_fit"
SPAM = "duplicate_or_spam"
LEAD_TYPES = ("customer_inquiry", "marketing_qualified", "sales_qualified")  # the leads app's values
QUALIFIED_TYPES = frozenset(LEAD_TYPES[1:])  # what monthly capacity counts

ALL = ("all", "")
MAX_KEYWORD_DIMENSIONS = 10

# How much one answer says about fit, in "offers": a not-a-fit decline is the clearest no, silence (expiry) an
# ordinary no; other declines are mostly about the customer (budget, reachability), so they say little; spam
# says nothing about the partner at all and is not counted.
WEIGHT_NOT_A_FIT = 2.0
WEIGHT_OTHER_DECLINE = 0.25
WEIGHT_EXPIRED = 1.0

# Beta priors: the usual rates, and how many leads' worth of belief they carry. A partner's overall rate is pulled
# toward the usual one; its rate on similar leads toward its own overall rate. Three leads move it a little,
# three thousand decide it.
USUAL_ACCEPTANCE = 0.5
USUAL_WIN = 0.3
PARTNER_PRIOR_LEADS = 4.0
SIMILAR_PRIOR_LEADS = 3.0
MAX_LOGIT = 4.0


@dataclass(frozen=True)
class Outcome:
    """One thing that happened to one lead of one partner, as plain data (routing never imports leads).

    kind ∈ KINDS; reason is the decline reason for `declined` (else ""); `at` places `received` in its month
    (None = now).
    """

    partner_id: int
    lead_type: str
    company_size: str
    need: str
    country: str
    kind: str
    reason: str = ""
    at: datetime | None = None


@dataclass
class Counts:
    """Raw counters of one partner on one dimension; integers, so any order of additions gives the same row."""

    offered: int = 0
    accepted: int = 0
    declined_not_fit: int = 0
    declined_other: int = 0
    expired: int = 0
    won: int = 0
    lost: int = 0

    @property
    def decided(self) -> int:
        return self.accepted + self.declined_not_fit + self.declined_other + self.expired

    @property
    def acceptance_trials(self) -> float:
        return (
            self.accepted
            + WEIGHT_NOT_A_FIT * self.declined_not_fit
            + WEIGHT_OTHER_DECLINE * self.declined_other
            + WEIGHT_EXPIRED * self.expired
        )

    def add(self, counter: str, amount: int = 1) -> None:
        setattr(self, counter, getattr(self, counter) + amount)


COUNTERS = tuple(field.name for field in fields(Counts))


@dataclass(frozen=True)
class Estimate:
    acceptance: float
    win: float
    similar_decided: int


def counter_for(kind: str, reason: str = "") -> str | None:
    """The counter an outcome adds one to; None when it says nothing (a spam decline)."""
    if kind not in KINDS:
        raise ValueError(f"Unknown outcome kind: {kind!r}")
    if kind == "received":
        return "offered"
    if kind == "declined":
        return None if reason == SPAM else "declined_not_fit" if reason == NOT_A_FIT else "declined_other"
    return kind


def dimensions(*, lead_type: str, company_size: str, country: str, terms: Iterable[str]) -> list[tuple[str, str]]:
    """The partner's record that describes leads like this one: overall, then by type, size, country, keywords."""
    dims = [ALL]
    if lead_type:
        dims.append(("type", lead_type))
    if company_size:
        dims.append(("size", company_size))
    if country:
        dims.append(("country", country.upper()))
    dims.extend(("keyword", term) for term in sorted(terms)[:MAX_KEYWORD_DIMENSIONS])
    return dims


def outcome_increments(outcome: Outcome, vocabulary: PhraseIndex) -> tuple[str | None, list[tuple[str, str]]]:
    """(counter, dimensions) that one outcome adds 1 to; the keywords are the known terms found in its need."""
    counter = counter_for(outcome.kind, outcome.reason)
    if counter is None:
        return None, []
    return counter, dimensions(
        lead_type=outcome.lead_type,
        company_size=outcome.company_size,
        country=outcome.country,
        terms=vocabulary.find(outcome.need),
    )


def month_of(at: datetime) -> date:
    """The capacity month (UTC) a moment falls in, as its first day."""
    return at.astimezone(UTC).date().replace(day=1)


def counts_capacity(outcome: Outcome) -> bool:
    return outcome.kind == "received" and outcome.lead_type in QUALIFIED_TYPES


def _smooth(successes: float, trials: float, prior: float, strength: float) -> float:
    return (successes + strength * prior) / (trials + strength)


def _logit(p: float) -> float:
    return max(-MAX_LOGIT, min(MAX_LOGIT, math.log(p / (1 - p))))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def estimate(record: Mapping[tuple[str, str], Counts], dims: Iterable[tuple[str, str]]) -> Estimate:
    """Smoothed acceptance and win rates of one partner on leads described by `dims` (its record by dimension).

    The partner's overall rates (pulled toward the usual ones) are moved in log-odds by its rates on similar leads
    (each pulled toward the overall one): once by the average shift of the lead's attributes (type, size,
    country) and once by that of its topic (keywords). Averaging, not summing: those dimensions describe the same
    leads, and a sum would count one decline three times. Runs for hundreds of partners per match, hence one pass.
    """
    overall = record.get(ALL) or Counts()
    acceptance0 = _smooth(overall.accepted, overall.acceptance_trials, USUAL_ACCEPTANCE, PARTNER_PRIOR_LEADS)
    win0 = _smooth(overall.won, overall.won + overall.lost, USUAL_WIN, PARTNER_PRIOR_LEADS)
    # Per group (attributes, topic): count, sum of acceptance log-odds, sum of win log-odds.
    groups = {False: [0, 0.0, 0.0], True: [0, 0.0, 0.0]}
    decided = 0
    for dim in dims:
        counts = record.get(dim)
        if counts is None or dim == ALL:
            continue
        group = groups[dim[0] == "keyword"]
        group[0] += 1
        group[1] += _logit(_smooth(counts.accepted, counts.acceptance_trials, acceptance0, SIMILAR_PRIOR_LEADS))
        group[2] += _logit(_smooth(counts.won, counts.won + counts.lost, win0, SIMILAR_PRIOR_LEADS))
        decided = max(decided, counts.decided)
    acceptance_logit, win_logit = _logit(acceptance0), _logit(win0)
    acceptance_shift = win_shift = 0.0
    for count, acceptance_sum, win_sum in groups.values():
        if count:
            acceptance_shift += acceptance_sum / count - acceptance_logit
            win_shift += win_sum / count - win_logit
    return Estimate(_sigmoid(acceptance_logit + acceptance_shift), _sigmoid(win_logit + win_shift), decided)
