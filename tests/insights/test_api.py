"""GET /api/v1/insights: the §8 shape, the same numbers as the lead list, isolation and clear 422s."""

from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import median

import pytest
from django.utils import timezone

from tests.insights.conftest import EXPECTED, PERIOD, make_lead

pytestmark = pytest.mark.django_db
KEYS = {
    "leads",
    "by_status",
    "acceptance_rate",
    "win_rate",
    "median_response_hours",
    "pipeline_value",
    "won_value",
    "by_month",
    "decline_reasons",
}


def test_insights_api_returns_exactly_the_design_shape_and_the_hand_figures(api_as, partner_admin, known_leads):
    response = api_as(partner_admin).get("/insights", PERIOD)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == KEYS
    assert set(body["by_status"]) == {"received", "accepted", "won", "lost", "declined", "expired"}
    for key in ("leads", "by_status", "pipeline_value", "won_value", "by_month", "decline_reasons"):
        assert body[key] == EXPECTED[key], key
    for key in ("acceptance_rate", "win_rate", "median_response_hours"):
        assert body[key] == pytest.approx(EXPECTED[key]), key


def _all_leads(api, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        page = api.get("/leads", {**params, "limit": 7, **({"cursor": cursor} if cursor else {})}).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def _recomputed(leads: list[dict], start: date, end: date) -> dict:
    """The §8 figures worked out from the lead list's JSON alone."""
    leads = [lead for lead in leads if start <= datetime.fromisoformat(lead["received_at"]).date() <= end]
    status = Counter(lead["status"] for lead in leads)
    accepted = status["accepted"] + status["won"] + status["lost"]
    hours = [
        (datetime.fromisoformat(lead["decided_at"]) - datetime.fromisoformat(lead["received_at"])).total_seconds()
        / 3600
        for lead in leads
        if lead["status"] in ("accepted", "won", "lost", "declined") and lead["decided_at"]
    ]

    def values(wanted):
        totals = {}
        for lead in leads:
            if lead["status"] == wanted and lead["deal_value"] is not None:
                totals[lead["currency"]] = totals.get(lead["currency"], Decimal(0)) + Decimal(lead["deal_value"])
        return {currency: str(total) for currency, total in sorted(totals.items())}

    months = sorted({lead["received_at"][:7] for lead in leads})
    return {
        "leads": len(leads),
        "by_status": {name: status[name] for name in ("received", "accepted", "won", "lost", "declined", "expired")},
        "acceptance_rate": accepted / (accepted + status["declined"] + status["expired"]) if leads else None,
        "win_rate": status["won"] / (status["won"] + status["lost"]) if status["won"] + status["lost"] else None,
        "median_response_hours": median(hours) if hours else None,
        "pipeline_value": values("accepted"),
        "won_value": values("won"),
        "by_month": [
            {
                "month": month,
                "received": sum(lead["received_at"][:7] == month for lead in leads),
                "accepted": sum(
                    lead["received_at"][:7] == month and lead["status"] in ("accepted", "won", "lost") for lead in leads
                ),
                "won": sum(lead["received_at"][:7] == month and lead["status"] == "won" for lead in leads),
            }
            for month in months
        ],
        "decline_reasons": dict(Counter(lead["reason"] for lead in leads if lead["status"] == "declined")),
    }


@pytest.mark.parametrize("who", ["partner_admin", "ops_user"])
def test_insights_api_numbers_equal_those_recomputed_from_the_lead_list(api_as, request, who, known_leads):
    api = api_as(request.getfixturevalue(who))
    body = api.get("/insights", PERIOD).json()
    expected = _recomputed(_all_leads(api), date(2026, 1, 1), date(2026, 3, 31))
    assert body["median_response_hours"] == pytest.approx(expected.pop("median_response_hours"))
    assert body["acceptance_rate"] == pytest.approx(expected.pop("acceptance_rate"))
    assert body["win_rate"] == pytest.approx(expected.pop("win_rate"))
    assert body["decline_reasons"] == expected.pop("decline_reasons")
    assert {key: body[key] for key in expected} == expected


def test_insights_api_partner_token_never_sees_another_organisation(api_as, partner_admin, other_admin, known_leads):
    assert api_as(partner_admin).get("/insights", {**PERIOD, "partner": "fabrikam"}).status_code == 404
    assert api_as(partner_admin).get("/insights", {**PERIOD, "partner": "nobody"}).status_code == 404
    assert api_as(partner_admin).get("/insights", {**PERIOD, "partner": "contoso"}).json()["leads"] == 10
    other = api_as(other_admin).get("/insights", PERIOD).json()
    assert other["leads"] == 1 and other["won_value"] == {"GBP": "9999.00"}


def test_insights_api_ops_see_all_partners_or_the_one_they_name(api_as, ops_user, known_leads):
    api = api_as(ops_user)
    assert api.get("/insights", PERIOD).json()["leads"] == 11
    assert api.get("/insights", {**PERIOD, "partner": "fabrikam"}).json()["leads"] == 1
    assert api.get("/insights", {**PERIOD, "partner": "nobody"}).status_code == 404


def test_insights_api_refuses_a_user_of_no_organisation(api_as, outsider):
    assert api_as(outsider).get("/insights").status_code == 403


def test_insights_api_needs_a_token(client):
    assert client.get("/api/v1/insights").status_code == 401


@pytest.mark.parametrize(
    "params, field",
    [
        ({"from": "2026-03-01", "to": "2026-02-28"}, "from"),
        ({"from": "2026-13-01"}, "from"),
        ({"from": "01.02.2026"}, "from"),
        ({"to": "tomorrow"}, "to"),
        ({"from": "2020-01-01", "to": "2025-01-01"}, "to"),
    ],
)
def test_insights_api_bad_period_is_a_422_naming_the_field(api_as, partner_admin, params, field):
    response = api_as(partner_admin).get("/insights", params)
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {field}


def test_insights_api_accepts_exactly_five_years(api_as, partner_admin):
    response = api_as(partner_admin).get("/insights", {"from": "2020-01-01", "to": "2024-12-31"})
    assert response.status_code == 200
    assert len(response.json()["by_month"]) == 60


def test_insights_api_defaults_to_the_last_90_days(api_as, partner_admin, org):
    make_lead(org, received_at=timezone.now())
    make_lead(org, received_at=timezone.now() - timedelta(days=90))
    assert api_as(partner_admin).get("/insights").json()["leads"] == 1
