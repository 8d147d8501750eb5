"""GET /api/v1/partners/match: ops only, eligible partners best first with their reasons, 422 naming bad fields."""

import pytest

from tests.routing.factories import routed_partner


@pytest.fixture
def partners(db):
    return [
        routed_partner("cloud-praha", keywords=("cloud", "Power BI"), median_response_hours=3.0),
        routed_partner("cloud-brno", keywords=("cloud",), places=(("CZ", "Brno"),)),
        routed_partner("berlin-data", keywords=("cloud", "data"), places=(("DE", "Berlin"),)),
        routed_partner("paused", keywords=("cloud", "Power BI"), accepting_leads=False),
        routed_partner("no-power", keywords=("cloud",), excluded_keywords=["power bi"]),
    ]


@pytest.mark.django_db
def test_ops_get_the_eligible_partners_best_first_with_every_reason(api_as, ops_user, partners):
    response = api_as(ops_user).get(
        "/partners/match",
        {"need": "Cloud and power-BI dashboards", "country": "cz", "city": "Brno", "company_size": "10-49"},
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["partner"] for item in items] == ["cloud-praha", "cloud-brno"]
    assert items[0]["name"] == "Cloud Praha" and 0 < items[1]["score"] < items[0]["score"] <= 1
    assert [reason["signal"] for reason in items[0]["reasons"]] == [
        "keywords",
        "location",
        "responsiveness",
        "history",
        "capacity",
    ]
    assert items[0]["reasons"][0]["detail"] == "The need mentions the profile's keywords: cloud, Power BI."


@pytest.mark.django_db
def test_reasons_follow_the_callers_language(api_as, ops_user, partners):
    response = api_as(ops_user).get(
        "/partners/match", {"need": "cloud", "country": "DE"}, headers={"Accept-Language": "cs"}
    )
    [item] = response.json()["items"]
    assert item["partner"] == "berlin-data"
    assert item["reasons"][1]["detail"] == "Má pobočku v zemi zákazníka (DE)."


@pytest.mark.django_db
def test_limit_caps_the_list(api_as, ops_user, partners):
    response = api_as(ops_user).get("/partners/match", {"need": "cloud", "limit": "2"})
    assert len(response.json()["items"]) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "need"),
        ({"need": "   "}, "need"),
        ({"need": "x\x00"}, "need"),
        ({"need": "cloud", "company_size": "huge"}, "company_size"),
        ({"need": "cloud", "country": "CZE"}, "country"),
        ({"need": "cloud", "country": "1Z"}, "country"),
        ({"need": "cloud", "lead_type": "cold_call"}, "lead_type"),
        ({"need": "cloud", "limit": "0"}, "limit"),
        ({"need": "cloud", "limit": "51"}, "limit"),
        ({"need": "cloud", "limit": "ten"}, "limit"),
    ],
)
def test_bad_input_answers_422_naming_the_field(api_as, ops_user, partners, params, field):
    response = api_as(ops_user).get("/partners/match", params)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


@pytest.mark.django_db
def test_partner_users_may_not_match_partners(api_as, partner_admin, referrals_admin, partners):
    for user in (partner_admin, referrals_admin):
        response = api_as(user).get("/partners/match", {"need": "cloud"})
        assert response.status_code == 403 and "items" not in response.json()


@pytest.mark.django_db
def test_matching_needs_a_token(anonymous_api, partners):
    assert anonymous_api.get("/partners/match", {"need": "cloud"}).status_code == 401
