"""`make routing-eval` at a small size: LeadHub beats keyword overlap on acceptance by 10 % and never on win rate."""

from routing.eval import evaluate, table, verdict


def test_leadhub_beats_keyword_overlap_in_a_small_synthetic_year():
    results = evaluate(partners=150, leads=3000, seed=1)
    assert verdict(results) == [], table(results)
    assert results["leadhub"]["acceptance"] >= 1.10 * results["keywords"]["acceptance"]
    assert results["leadhub"]["win"] >= results["keywords"]["win"]
    assert results["keywords"]["acceptance"] > results["random"]["acceptance"]  # the world rewards keywords at all


def test_the_evaluation_is_repeatable_for_a_seed():
    assert evaluate(partners=40, leads=400, seed=5) == evaluate(partners=40, leads=400, seed=5)
