"""Every figure of the insights, checked by hand against leads in every status with known times and values."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from insights.api import insights_json
from insights.period import Period
from insights.selectors import insights_for, insights_partner_for, percentile
from tests.insights.conftest import (
    EXPECTED,
    EXPECTED_BY_TYPE,
    EXPECTED_HISTOGRAM,
    EXPECTED_P90_HOURS,
)

pytestmark = pytest.mark.django_db
PERIOD = Period(start=date(2026, 1, 1), end=date(2026, 3, 31))


def test_insights_every_figure_matches_the_hand_count(partner_admin, known_leads):
    insights = insights_for(partner_admin, period=PERIOD, partner=partner_admin.membership.organisation)
    figures = insights_json(insights)
    for key in ("leads", "by_status", "pipeline_value", "won_value", "by_month", "decline_reasons"):
        assert figures[key] == EXPECTED[key], key
    assert figures["acceptance_rate"] == pytest.approx(EXPECTED["acceptance_rate"])
    assert figures["win_rate"] == pytest.approx(EXPECTED["win_rate"])
    assert figures["median_response_hours"] == pytest.approx(EXPECTED["median_response_hours"])
    assert insights.p90_response_hours == pytest.approx(EXPECTED_P90_HOURS)
    assert insights.answer_histogram == EXPECTED_HISTOGRAM
    assert {row.month.strftime("%Y-%m"): row.by_type for row in insights.by_month} == EXPECTED_BY_TYPE


def test_insights_of_ops_for_all_partners_include_every_organisation(ops_user, known_leads):
    insights = insights_for(ops_user, period=PERIOD, partner=None)
    assert insights.leads == 11
    assert insights.won_value == {"EUR": Decimal("500.50"), "GBP": Decimal("9999.00"), "USD": Decimal("99.99")}


def test_insights_rates_and_times_are_none_without_a_denominator(partner_admin, org):
    insights = insights_for(partner_admin, period=PERIOD, partner=org)
    figures = insights_json(insights)
    assert figures["leads"] == 0
    assert figures["acceptance_rate"] is None and figures["win_rate"] is None
    assert figures["median_response_hours"] is None and insights.p90_response_hours is None
    assert [row["received"] for row in figures["by_month"]] == [0, 0, 0]


def test_insights_development_database_path_gives_the_same_figures(partner_admin, known_leads, monkeypatch):
    """SQLite (make run) has neither percentile_cont nor width_bucket: the Python and CASE paths must agree."""
    from django.db import connection

    org = partner_admin.membership.organisation
    on_postgresql = insights_for(partner_admin, period=PERIOD, partner=org)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    fallback = insights_for(partner_admin, period=PERIOD, partner=org)
    assert insights_json(fallback) == insights_json(on_postgresql)
    assert fallback.p90_response_hours == pytest.approx(on_postgresql.p90_response_hours)
    assert fallback.answer_histogram == on_postgresql.answer_histogram


def test_percentile_interpolates_like_percentile_cont():
    hours = [1.5, 2, 4, 6, 10, 30, 72, 200]
    assert percentile(hours, 0.5) == 8.0
    assert percentile(hours, 0.9) == pytest.approx(110.4)
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([], 0.5) is None


def test_insights_partner_member_reaches_only_its_own_organisation(partner_admin, other_org, org):
    assert insights_partner_for(partner_admin, None) == org
    assert insights_partner_for(partner_admin, "contoso") == org
    with pytest.raises(Http404):
        insights_partner_for(partner_admin, "fabrikam")
    with pytest.raises(Http404):
        insights_partner_for(partner_admin, "no-such-partner")


def test_insights_ops_pick_any_partner_or_all(ops_user, other_org):
    assert insights_partner_for(ops_user, None) is None
    assert insights_partner_for(ops_user, "fabrikam") == other_org
    with pytest.raises(Http404):
        insights_partner_for(ops_user, "no-such-partner")


def test_insights_refused_to_a_user_of_no_organisation(outsider):
    with pytest.raises(PermissionDenied):
        insights_partner_for(outsider, None)
