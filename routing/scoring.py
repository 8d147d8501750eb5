"""Who may get a lead and how well each partner fits it, with every signal explained in words (DESIGN §7).

Pure: no database, no cache. routing.ranking applies these rules to thousands of partners through indexes and
routing.eval replays a synthetic year through the same functions.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from profiles.responsiveness import responsiveness_text
from routing.history import Estimate
from routing.text import PhraseIndex, normalise, normalise_term

# How much each signal counts; they sum to 1, so the score is in [0, 1].
WEIGHTS = {"keywords": 0.30, "location": 0.10, "responsiveness": 0.15, "history": 0.35, "capacity": 0.10}
SIGNALS = tuple(WEIGHTS)

KEYWORD_DECAY = 0.4  # each further matched keyword closes 60 % of the remaining gap to a full keyword signal
SAME_CITY, SAME_COUNTRY = 1.0, 0.7
UNKNOWN_RESPONSIVENESS = 0.3
HISTORY_ACCEPTANCE_SHARE = 0.75  # the history signal: mostly "will they take it on", partly "will they win it"


@dataclass(frozen=True)
class LeadRequest:
    need: str
    company_size: str = ""
    country: str = ""
    city: str = ""
    lead_type: str = ""


@dataclass(frozen=True)
class Candidate:
    """A partner's routing data. `used_this_month` counts the qualified leads it received this month."""

    partner_id: int
    slug: str
    name: str
    keywords: tuple[str, ...] = ()
    excluded_keywords: tuple[str, ...] = ()
    sizes: frozenset[str] = frozenset()
    locations: tuple[tuple[str, str], ...] = ()  # (country, city) as entered
    accepting: bool = True
    capacity: int | None = None
    used_this_month: int = 0
    median_response_hours: float | None = None
    # Derived: normalised term → keyword as the partner wrote it; normalised excluded terms; (country, city).
    keyword_terms: dict[str, str] = field(init=False, repr=False, compare=False)
    excluded_terms: frozenset[str] = field(init=False, repr=False, compare=False)
    places: frozenset[tuple[str, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        terms = {}
        for keyword in self.keywords:
            terms.setdefault(normalise_term(keyword), keyword)
        terms.pop("", None)
        object.__setattr__(self, "keyword_terms", terms)
        object.__setattr__(self, "excluded_terms", frozenset(filter(None, map(normalise_term, self.excluded_keywords))))
        object.__setattr__(
            self, "places", frozenset((country.upper(), normalise_term(city)) for country, city in self.locations)
        )

    @property
    def countries(self) -> frozenset[str]:
        return frozenset(country for country, _city in self.places)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.used_this_month >= self.capacity


@dataclass(frozen=True)
class Prepared:
    """A request with its need already searched for every known term (done once, used for every candidate)."""

    request: LeadRequest
    terms: frozenset[str]
    country: str
    city: str


def vocabulary_of(candidates: Iterable[Candidate]) -> set[str]:
    terms = set()
    for candidate in candidates:
        terms.update(candidate.keyword_terms)
        terms.update(candidate.excluded_terms)
    return terms


def prepare(request: LeadRequest, vocabulary: PhraseIndex | Iterable[str]) -> Prepared:
    index = vocabulary if isinstance(vocabulary, PhraseIndex) else PhraseIndex(vocabulary)
    return Prepared(request, index.find(request.need), (request.country or "").upper(), normalise(request.city))


def ineligibility(prepared: Prepared, candidate: Candidate, exclude: Collection[int] = ()) -> str | None:
    """The first rule that keeps this partner from the lead, or None when it may get it."""
    if candidate.partner_id in exclude:
        return "tried"
    if not candidate.accepting:
        return "paused"
    if candidate.is_full:
        return "full"
    size = prepared.request.company_size
    if size and candidate.sizes and size not in candidate.sizes:
        return "size"
    if prepared.country and prepared.country not in candidate.countries:
        return "country"
    if candidate.excluded_terms & prepared.terms:
        return "excluded_keyword"
    return None


def eligible(prepared: Prepared, candidate: Candidate, exclude: Collection[int] = ()) -> bool:
    return ineligibility(prepared, candidate, exclude) is None


def matched_keywords(prepared: Prepared, candidate: Candidate) -> list[str]:
    return [keyword for term, keyword in candidate.keyword_terms.items() if term in prepared.terms]


def keyword_value(matches: int) -> float:
    return 1 - KEYWORD_DECAY**matches


def location_value(prepared: Prepared, candidate: Candidate) -> float:
    if not prepared.country:
        return 0.0
    if prepared.city and (prepared.country, prepared.city) in candidate.places:
        return SAME_CITY
    return SAME_COUNTRY if prepared.country in candidate.countries else 0.0


def responsiveness_value(hours: float | None) -> float:
    """1 for an instant answer, ½ for a day, ¼ for three days; partners without answers yet sit in between."""
    return UNKNOWN_RESPONSIVENESS if hours is None else 1 / (1 + max(hours, 0.0) / 24)


def capacity_value(capacity: int | None, used: int) -> float:
    return 1.0 if capacity is None else max(capacity - used, 0) / capacity


def history_value(history: Estimate) -> float:
    return HISTORY_ACCEPTANCE_SHARE * history.acceptance + (1 - HISTORY_ACCEPTANCE_SHARE) * history.win


def static_value(candidate: Candidate) -> float:
    """The weighted part of the score that does not depend on the lead (responsiveness and capacity)."""
    return WEIGHTS["responsiveness"] * responsiveness_value(candidate.median_response_hours) + WEIGHTS[
        "capacity"
    ] * capacity_value(candidate.capacity, candidate.used_this_month)


def score(prepared: Prepared, candidate: Candidate, history: Estimate) -> tuple[float, list[dict]]:
    """The score in [0, 1] and one reason per signal, in words in the active language."""
    keywords = matched_keywords(prepared, candidate)
    total = (
        WEIGHTS["keywords"] * keyword_value(len(keywords))
        + WEIGHTS["location"] * location_value(prepared, candidate)
        + static_value(candidate)
        + WEIGHTS["history"] * history_value(history)
    )
    return round(total, 4), reasons(prepared, candidate, history, keywords)


def explain(prepared: Prepared, candidate: Candidate, history: Estimate) -> list[dict]:
    """The reasons of `score`, without scoring again: for each language a chosen partner's reasons are kept in."""
    return reasons(prepared, candidate, history, matched_keywords(prepared, candidate))


def reasons(prepared: Prepared, candidate: Candidate, history: Estimate, keywords: list[str]) -> list[dict]:
    return [
        {"signal": "keywords", "detail": _keywords_detail(keywords)},
        {"signal": "location", "detail": _location_detail(prepared, candidate)},
        {"signal": "responsiveness", "detail": responsiveness_text(candidate.median_response_hours)},
        {"signal": "history", "detail": _history_detail(history)},
        {"signal": "capacity", "detail": _capacity_detail(candidate)},
    ]


def _keywords_detail(keywords: list[str]) -> str:
    if not keywords:
        return _("None of the profile's keywords appears in the need.")
    return _("The need mentions the profile's keywords: %(keywords)s.") % {"keywords": ", ".join(keywords)}


def _location_detail(prepared: Prepared, candidate: Candidate) -> str:
    if not prepared.country:
        return _("The customer gave no country.")
    if location_value(prepared, candidate) == SAME_CITY:
        return _("Has an office in the customer's city (%(city)s).") % {"city": prepared.request.city.strip()}
    return _("Has an office in the customer's country (%(country)s).") % {"country": prepared.country}


def _history_detail(history: Estimate) -> str:
    values = {"accept": round(100 * history.acceptance), "win": round(100 * history.win), "n": history.similar_decided}
    if not history.similar_decided:
        return (
            _(
                "No similar lead decided yet: expects to accept about %(accept)d%% and win about %(win)d%% "
                "of those it takes on, from its overall record or the usual rates."
            )
            % values
        )
    return (
        _(
            "Accepts about %(accept)d%% of leads like this and wins about %(win)d%% of those it takes on "
            "(similar leads decided: %(n)d)."
        )
        % values
    )


def _capacity_detail(candidate: Candidate) -> str:
    if candidate.capacity is None:
        return _("No monthly limit.")
    return _("Room left this month: %(left)d of %(capacity)d leads.") % {
        "left": max(candidate.capacity - candidate.used_this_month, 0),
        "capacity": candidate.capacity,
    }
