"""Learnt statistics: each outcome updates routing's tables; a rebuild from the same outcomes writes the same rows."""

import random
from datetime import UTC, datetime

import pytest
from django.utils import translation

from routing.history import Outcome
from routing.models import PartnerMonth, PartnerStat
from routing.selectors import LeadRequest, partners_match
from routing.services import outcome_record, stats_rebuild
from tests.routing.factories import routed_partner

NEEDS = [
    "Cloud migration of our ERP",
    "Power BI dashboards",
    "Migrace dat do cloudu",
    "SAP support",
    "Security audit and cloud backup",
    "Nothing the vocabulary knows",
]
DECLINES = ["not_a_fit", "no_budget", "customer_unreachable", "duplicate_or_spam", "other"]


def stat_rows():
    return sorted(
        PartnerStat.objects.values_list(
            "partner_id",
            "dimension",
            "value",
            "offered",
            "accepted",
            "declined_not_fit",
            "declined_other",
            "expired",
            "won",
            "lost",
        )
    )


def month_rows():
    return sorted(PartnerMonth.objects.values_list("partner_id", "month", "received"))


def synthetic_outcomes(partners, count, seed=7):
    rng = random.Random(seed)
    outcomes = []
    for _ in range(count):
        partner = rng.choice(partners)
        lead = {
            "partner_id": partner.pk,
            "lead_type": rng.choice(["sales_qualified", "marketing_qualified", "customer_inquiry"]),
            "company_size": rng.choice(["", "10-49", "1000+"]),
            "need": rng.choice(NEEDS),
            "country": rng.choice(["", "CZ", "DE"]),
            "at": datetime(2026, rng.randint(1, 12), rng.randint(1, 28), 12, tzinfo=UTC),
        }
        outcomes.append(Outcome(kind="received", **lead))
        answer = rng.choice(["accepted", "declined", "expired"])
        outcomes.append(Outcome(kind=answer, reason=rng.choice(DECLINES) if answer == "declined" else "", **lead))
        if answer == "accepted" and rng.random() < 0.7:
            outcomes.append(Outcome(kind=rng.choice(["won", "lost"]), **lead))
    return outcomes


@pytest.mark.django_db
def test_recording_outcomes_one_by_one_gives_exactly_the_rows_of_a_rebuild():
    partners = [
        routed_partner("alpha", keywords=("cloud", "Power BI", "migrace")),
        routed_partner("beta", keywords=("SAP", "security")),
        routed_partner("gamma", keywords=("ERP",)),
    ]
    outcomes = synthetic_outcomes(partners, 150)
    for outcome in outcomes:
        outcome_record(outcome)
    incremental = (stat_rows(), month_rows())
    assert len(incremental[0]) > 30 and incremental[1]

    PartnerStat.objects.update(accepted=999)
    PartnerMonth.objects.all().delete()
    stats_rebuild(iter(outcomes))
    assert (stat_rows(), month_rows()) == incremental


@pytest.mark.django_db
def test_an_outcome_counts_on_every_dimension_of_its_lead():
    partner = routed_partner("alpha", keywords=("cloud", "Power BI"))
    lead = {
        "partner_id": partner.pk,
        "lead_type": "sales_qualified",
        "company_size": "10-49",
        "need": "Power-BI reports in the CLOUD",
        "country": "cz",
    }
    outcome_record(Outcome(kind="declined", reason="not_a_fit", **lead))
    outcome_record(Outcome(kind="declined", reason="duplicate_or_spam", **lead))
    outcome_record(Outcome(kind="declined", reason="no_budget", **lead))
    rows = {
        (dimension, value): (not_fit, other) for _pid, dimension, value, _o, _a, not_fit, other, *_rest in stat_rows()
    }
    assert rows == {
        ("all", ""): (1, 1),
        ("type", "sales_qualified"): (1, 1),
        ("size", "10-49"): (1, 1),
        ("country", "CZ"): (1, 1),
        ("keyword", "cloud"): (1, 1),
        ("keyword", "power bi"): (1, 1),
    }


@pytest.mark.django_db
def test_only_qualified_leads_received_count_against_this_months_capacity():
    partner = routed_partner("alpha")
    at = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    for lead_type in ("sales_qualified", "marketing_qualified", "customer_inquiry"):
        outcome_record(Outcome(partner.pk, lead_type, "", "cloud", "CZ", "received", at=at))
    assert month_rows() == [(partner.pk, datetime(2026, 3, 1).date(), 2)]


@pytest.mark.django_db
def test_a_partner_at_capacity_this_month_is_not_matched():
    full = routed_partner("full-partner", monthly_capacity=2)
    routed_partner("roomy-partner", monthly_capacity=5)
    for _ in range(2):
        outcome_record(Outcome(full.pk, "sales_qualified", "10-49", "cloud", "CZ", "received"))
    slugs = [match.slug for match in partners_match(LeadRequest(need="cloud", country="CZ"))]
    assert slugs == ["roomy-partner"]


@pytest.mark.django_db
def test_not_a_fit_declines_teach_routing_to_send_similar_leads_elsewhere():
    picky = routed_partner("picky", keywords=("cloud",), median_response_hours=5.0)
    routed_partner("steady", keywords=("cloud",), median_response_hours=5.0)
    request = LeadRequest(
        need="Cloud backup for our office", country="CZ", company_size="10-49", lead_type="sales_qualified"
    )
    assert [match.slug for match in partners_match(request)] == ["picky", "steady"]  # a tie, broken by id
    for _ in range(3):
        outcome_record(Outcome(picky.pk, "sales_qualified", "10-49", "cloud backup", "CZ", "declined", "not_a_fit"))
    with translation.override("en"):
        matches = partners_match(request)
    assert [match.slug for match in matches] == ["steady", "picky"]
    assert "similar leads decided: 3" in matches[1].reasons[3]["detail"]
