"""Eligibility rule by rule, the score's order on hand-made cases, and the reasons in English and Czech."""

import random
from dataclasses import replace

import pytest
from django.utils import translation

from routing import history as hist
from routing import ranking
from routing.history import Counts, Estimate
from routing.ranking import MAX_EXAMINED, Index, rank
from routing.scoring import Candidate, LeadRequest, eligible, ineligibility, prepare, score, vocabulary_of

USUAL = hist.estimate({}, [hist.ALL])


def partner(pid=1, **fields):
    values = {"slug": f"p{pid}", "name": f"Partner {pid}", "keywords": ("cloud",), "locations": (("CZ", "Praha"),)}
    values.update(fields)
    return Candidate(partner_id=pid, **values)


def prepared(candidates, **request):
    values = {"need": "We need a cloud migration", "country": "CZ", "company_size": "10-49"}
    values.update(request)
    return prepare(LeadRequest(**values), vocabulary_of(candidates))


def why_not(candidate, exclude=(), **request):
    return ineligibility(prepared([candidate], **request), candidate, exclude)


def test_a_partner_that_fits_every_rule_is_eligible():
    candidate = partner(sizes=frozenset({"10-49"}), capacity=5, used_this_month=4)
    assert why_not(candidate) is None


def test_a_paused_partner_is_not_eligible():
    assert why_not(partner(accepting=False)) == "paused"


def test_a_partner_at_its_monthly_capacity_is_not_eligible():
    assert why_not(partner(capacity=3, used_this_month=3)) == "full"
    assert why_not(partner(capacity=3, used_this_month=2)) is None
    assert why_not(partner(capacity=None, used_this_month=1000)) is None


def test_a_partner_that_lists_sizes_must_serve_the_customers_size():
    assert why_not(partner(sizes=frozenset({"1000+"}))) == "size"
    assert why_not(partner(sizes=frozenset())) is None  # lists no size: serves every size
    assert why_not(partner(sizes=frozenset({"1000+"})), company_size="") is None


def test_a_partner_needs_a_location_in_the_customers_country_unless_the_customer_has_none():
    assert why_not(partner(locations=(("DE", "Berlin"),))) == "country"
    assert why_not(partner(locations=(("DE", "Berlin"),)), country="") is None
    assert why_not(partner(locations=()), country="") is None
    assert why_not(partner(locations=(("cz", "Brno"),)), country="cz") is None


def test_an_excluded_keyword_in_the_need_makes_a_partner_ineligible_whatever_its_spelling():
    candidate = partner(excluded_keywords=("Migrace", "SAP HANA"))
    assert why_not(candidate, need="Migráce serverů") == "excluded_keyword"
    assert why_not(candidate, need="We run sap-hana today") == "excluded_keyword"
    assert why_not(candidate, need="SAP and HANA separately") is None


def test_a_partner_already_tried_in_the_chain_is_never_offered_again():
    assert why_not(partner(pid=7), exclude={7}) == "tried"
    assert why_not(partner(pid=7), exclude={8}) is None


def _order(candidates, estimates=None, **request):
    estimates = estimates or {}
    ready = prepared(candidates, **request)
    scored = [
        (score(ready, c, estimates.get(c.partner_id, USUAL))[0], c.slug) for c in candidates if eligible(ready, c)
    ]
    return [slug for _score, slug in sorted(scored, key=lambda pair: -pair[0])]


def test_more_matched_keywords_rank_higher():
    candidates = [
        partner(1, keywords=("SAP",)),
        partner(2, keywords=("cloud", "migration")),
        partner(3, keywords=("cloud",)),
    ]
    assert _order(candidates) == ["p2", "p3", "p1"]


def test_same_city_beats_same_country():
    candidates = [partner(1, locations=(("CZ", "Praha"),)), partner(2, locations=(("CZ", "Brno"),))]
    assert _order(candidates, city="brno") == ["p2", "p1"]


def test_quicker_answers_rank_higher_and_no_answers_yet_sits_between():
    candidates = [
        partner(1, median_response_hours=160.0),
        partner(2, median_response_hours=2.0),
        partner(3, median_response_hours=None),
    ]
    assert _order(candidates) == ["p2", "p3", "p1"]


def test_more_room_this_month_ranks_higher():
    candidates = [partner(1, capacity=10, used_this_month=9), partner(2, capacity=10, used_this_month=1)]
    assert _order(candidates) == ["p2", "p1"]


def test_a_partner_that_declines_leads_like_this_as_not_a_fit_ranks_below_one_that_accepts_them():
    dims = hist.dimensions(lead_type="", company_size="10-49", country="CZ", terms={"cloud"})
    declines = {dim: Counts(declined_not_fit=6) for dim in dims}
    accepts = {dim: Counts(accepted=6, won=3, lost=1) for dim in dims}
    candidates = [partner(1), partner(2)]
    estimates = {1: hist.estimate(declines, dims), 2: hist.estimate(accepts, dims)}
    assert _order(candidates, estimates) == ["p2", "p1"]


def test_the_score_is_in_zero_to_one():
    best = partner(1, keywords=("cloud", "migration", "need"), median_response_hours=0.0)
    ready = prepared([best], city="Praha")
    value, _reasons = score(ready, best, Estimate(1.0, 1.0, 100))
    assert 0.95 <= value <= 1.0
    worst = partner(2, keywords=(), median_response_hours=10_000.0, capacity=1, used_this_month=1)
    value, _reasons = score(prepare(LeadRequest(need="x"), set()), worst, Estimate(0.0, 0.0, 100))
    assert 0.0 <= value <= 0.01


def test_ranking_through_the_index_equals_scoring_every_eligible_partner(monkeypatch):
    # The bounded search itself, without the cap on how many partners' statistics it reads (tested below).
    monkeypatch.setattr(ranking, "MAX_EXAMINED", 10_000)
    rng = random.Random(4)
    words = ["cloud", "sap", "power bi", "security", "migrace", "crm", "erp", "dynamics"]
    candidates = [
        partner(
            pid,
            keywords=tuple(rng.sample(words, 2)),
            excluded_keywords=tuple(rng.sample(words, 1)),
            sizes=frozenset(rng.sample(["1-9", "10-49", "50-249"], rng.randint(0, 2))),
            locations=((rng.choice(["CZ", "DE"]), rng.choice(["Praha", "Brno"])),),
            accepting=rng.random() > 0.1,
            capacity=rng.choice([None, 2, 5]),
            median_response_hours=rng.choice([None, 3.0, 30.0, 200.0]),
        )
        for pid in range(1, 400)
    ]
    used = {c.partner_id: rng.randint(0, 5) for c in candidates}
    index = Index(candidates)
    requests = [
        LeadRequest(
            need="cloud and power bi for our crm",
            country="CZ",
            city="Brno",
            company_size="10-49",
            lead_type="sales_qualified",
        ),
        LeadRequest(need="SAP migrace", country="DE"),
        LeadRequest(need="nothing known here", lead_type="marketing_qualified"),
    ]
    for request in requests:
        ready = index.prepare(request)
        dims = hist.dimensions(
            lead_type=request.lead_type, company_size=request.company_size, country=ready.country, terms=ready.terms
        )
        records = {
            c.partner_id: {
                dim: Counts(
                    accepted=rng.randint(0, 9),
                    declined_not_fit=rng.randint(0, 9),
                    expired=rng.randint(0, 3),
                    won=rng.randint(0, 5),
                    lost=rng.randint(0, 5),
                )
                for dim in dims
                if rng.random() < 0.7
            }
            for c in candidates
        }
        expected = []
        for candidate in candidates:
            candidate = replace(candidate, used_this_month=used[candidate.partner_id])
            if eligible(ready, candidate, {3}):
                value, _reasons = score(ready, candidate, hist.estimate(records[candidate.partner_id], dims))
                expected.append((value, candidate.slug))
        expected.sort(key=lambda pair: (-pair[0], int(pair[1][1:])))

        def history(ids, wanted, records=records):
            return {pid: records[pid] for pid in ids}

        got = rank(index, request, history=history, used=lambda ids: {i: used[i] for i in ids}, exclude={3}, limit=15)
        assert [(m.score, m.slug) for m in got] == expected[:15]


def test_on_realistic_profiles_a_few_hundred_partners_statistics_find_the_best_partners():
    from routing.fake import fake_profiles, fake_request_fields

    profiles = fake_profiles(3000, seed=3)
    candidates = [
        Candidate(
            partner_id=pid,
            slug=p.slug,
            name=p.name,
            keywords=tuple(p.keywords),
            excluded_keywords=tuple(p.excluded_keywords),
            sizes=frozenset(p.company_sizes),
            locations=tuple(p.locations),
            median_response_hours=p.median_response_hours,
        )
        for pid, p in enumerate(profiles, start=1)
    ]
    index = Index(candidates)
    rng = random.Random(9)
    exact = best_found = 0
    for _ in range(20):
        fields = fake_request_fields(rng)
        fields.pop("terms")
        request = LeadRequest(**fields)
        ready = index.prepare(request)
        dims = hist.dimensions(
            lead_type=request.lead_type, company_size=request.company_size, country=ready.country, terms=ready.terms
        )
        records = {
            c.partner_id: {
                dim: Counts(
                    accepted=rng.randint(0, 9),
                    declined_not_fit=rng.randint(0, 9),
                    won=rng.randint(0, 5),
                    lost=rng.randint(0, 5),
                )
                for dim in dims
            }
            for c in candidates
        }
        looked_up = []

        def history(ids, wanted, records=records, looked_up=looked_up):
            looked_up.extend(ids)
            return {pid: records[pid] for pid in ids}

        got = rank(index, request, history=history, used=lambda ids: {}, limit=10)
        scored = sorted(
            (
                (score(ready, c, hist.estimate(records[c.partner_id], dims))[0], c.partner_id)
                for c in candidates
                if eligible(ready, c)
            ),
            key=lambda pair: (-pair[0], pair[1]),
        )
        assert len(looked_up) <= MAX_EXAMINED
        # Scores are rounded to 4 places: partners that tie there may come in either order.
        exact += [m.score for m in got] == [value for value, _pid in scored[:10]]
        best_found += bool(got) and got[0].score == scored[0][0]
    assert exact >= 17 and best_found == 20, (exact, best_found)


@pytest.mark.parametrize(
    "language, expected",
    [
        (
            "en",
            {
                "keywords": "The need mentions the profile's keywords: cloud.",
                "location": "Has an office in the customer's city (Praha).",
                "responsiveness": "Usually answers within a day.",
                "history": "Accepts about 80% of leads like this and wins about 40% of those it takes on "
                "(similar leads decided: 12).",
                "capacity": "Room left this month: 7 of 10 leads.",
            },
        ),
        (
            "cs",
            {
                "keywords": "Poptávka zmiňuje klíčová slova z profilu: cloud.",
                "location": "Má pobočku ve městě zákazníka (Praha).",
                "responsiveness": "Obvykle odpoví do jednoho dne.",
                "history": "Leady jako tento přijímá zhruba v 80 % případů a z přijatých vyhrává zhruba 40 % "
                "(rozhodnutých podobných leadů: 12).",
                "capacity": "Volná kapacita tento měsíc: 7 z 10 leadů.",
            },
        ),
    ],
)
def test_every_signal_is_explained_in_the_readers_language(language, expected):
    candidate = partner(capacity=10, used_this_month=3, median_response_hours=20.0)
    with translation.override(language):
        _value, reasons = score(prepared([candidate], city="Praha"), candidate, Estimate(0.8, 0.4, 12))
    assert {reason["signal"]: reason["detail"] for reason in reasons} == expected
    assert [reason["signal"] for reason in reasons] == ["keywords", "location", "responsiveness", "history", "capacity"]


@pytest.mark.parametrize(
    "language, texts",
    [
        (
            "en",
            [
                "None of the profile's keywords appears in the need.",
                "The customer gave no country.",
                "No answers yet.",
                "No monthly limit.",
            ],
        ),
        (
            "cs",
            [
                "Žádné klíčové slovo z profilu se v poptávce nevyskytuje.",
                "Zákazník neuvedl zemi.",
                "Zatím bez odpovědí.",
                "Bez měsíčního limitu.",
            ],
        ),
    ],
)
def test_the_reasons_say_when_a_signal_has_nothing_to_go_on(language, texts):
    candidate = partner(keywords=("SAP",))
    with translation.override(language):
        _value, reasons = score(prepared([candidate], country=""), candidate, USUAL)
    details = [reason["detail"] for reason in reasons]
    assert [details[0], details[1], details[2], details[4]] == texts
    assert details[3].startswith(
        "No similar lead decided yet" if language == "en" else "Zatím nebyl rozhodnut žádný podobný lead"
    )
