"""Insights fixtures: leads in every status with known times and values, and the figures they must give."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from insights.rollups import rollups_refresh_leads
from leads.models import LeadType, Status
from profiles.api_tokens import api_token_issue
from tests.api.conftest import ApiClient
from tests.factories import LeadFactory

CI, MQ, SQ = LeadType.CUSTOMER_INQUIRY, LeadType.MARKETING_QUALIFIED, LeadType.SALES_QUALIFIED
PERIOD = {"from": "2026-01-01", "to": "2026-03-31"}


def at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def make_lead(
    org,
    *,
    received_at,
    status=Status.RECEIVED,
    lead_type=CI,
    answer_hours=None,
    deal_value=None,
    currency="EUR",
    reason="",
):
    """A lead written directly, as an import or seed_bulk would, so the event subscriber never hears of it: its day's
    rollup is refreshed here, as the nightly rebuild would."""
    decided_at = None if answer_hours is None else received_at + timedelta(hours=answer_hours)
    lead = LeadFactory(
        partner=org,
        received_at=received_at,
        status=status,
        lead_type=lead_type,
        decided_at=decided_at,
        deal_value=deal_value,
        currency=currency,
        reason=reason,
    )
    rollups_refresh_leads([lead.pk])
    return lead


@pytest.fixture
def known_leads(org, other_org):
    """Ten leads of `org` received from 1 January to 31 March 2026, one or more in every status, and leads
    just outside the period and of another organisation that must never count."""
    leads = [
        make_lead(org, received_at=at(1, 5, 10), status=Status.RECEIVED, lead_type=CI),
        make_lead(
            org,
            received_at=at(1, 10, 8),
            status=Status.ACCEPTED,
            lead_type=CI,
            answer_hours=2,
            deal_value=Decimal("1000.00"),
        ),
        make_lead(
            org,
            received_at=at(1, 20, 12),
            status=Status.WON,
            lead_type=MQ,
            answer_hours=6,
            deal_value=Decimal("500.50"),
        ),
        make_lead(
            org,
            received_at=at(2, 3, 9),
            status=Status.LOST,
            lead_type=SQ,
            answer_hours=30,
            deal_value=Decimal("2000.00"),
            currency="CZK",
            reason="chose_another_vendor",
        ),
        make_lead(
            org, received_at=at(2, 14), status=Status.DECLINED, lead_type=CI, answer_hours=1.5, reason="not_a_fit"
        ),
        make_lead(
            org, received_at=at(2, 28, 23), status=Status.DECLINED, lead_type=MQ, answer_hours=10, reason="not_a_fit"
        ),
        make_lead(org, received_at=at(3, 1), status=Status.EXPIRED, lead_type=CI),
        make_lead(
            org,
            received_at=at(3, 31, 23, 59, 59),
            status=Status.ACCEPTED,
            lead_type=SQ,
            answer_hours=72,
            deal_value=Decimal("300.00"),
            currency="CZK",
        ),
        make_lead(
            org,
            received_at=at(3, 15),
            status=Status.WON,
            lead_type=MQ,
            answer_hours=200,
            deal_value=Decimal("99.99"),
            currency="USD",
        ),
        make_lead(org, received_at=at(3, 20), status=Status.DECLINED, lead_type=CI, answer_hours=4, reason="no_budget"),
    ]
    # Outside the period by a second, and another organisation's lead inside it.
    make_lead(
        org,
        received_at=at(1, 1) - timedelta(seconds=1),
        status=Status.ACCEPTED,
        answer_hours=1,
        deal_value=Decimal("7777.00"),
    )
    make_lead(org, received_at=at(4, 1), status=Status.WON, answer_hours=1, deal_value=Decimal("8888.00"))
    make_lead(
        other_org,
        received_at=at(2, 1),
        status=Status.WON,
        answer_hours=3,
        deal_value=Decimal("9999.00"),
        currency="GBP",
    )
    return leads


# Every figure of `known_leads`, worked out by hand (answer hours sorted: 1.5 2 4 6 10 30 72 200).
EXPECTED = {
    "leads": 10,
    "by_status": {"received": 1, "accepted": 2, "won": 2, "lost": 1, "declined": 3, "expired": 1},
    "acceptance_rate": 5 / 9,  # (2 + 2 + 1) / (5 + 3 + 1)
    "win_rate": 2 / 3,
    "median_response_hours": 8.0,  # (6 + 10) / 2
    "pipeline_value": {"CZK": "300.00", "EUR": "1000.00"},
    "won_value": {"EUR": "500.50", "USD": "99.99"},
    "by_month": [
        {"month": "2026-01", "received": 3, "accepted": 2, "won": 1},
        {"month": "2026-02", "received": 3, "accepted": 1, "won": 0},
        {"month": "2026-03", "received": 4, "accepted": 2, "won": 1},
    ],
    "decline_reasons": {"not_a_fit": 2, "no_budget": 1},
}
EXPECTED_P90_HOURS = 110.4  # 72 + 0.3 × (200 − 72): position 0.9 × 7 = 6.3
# <1 h, 1–4 h, 4–8 h, 8–24 h, 1–2 d, 2–3 d, 3–7 d, ≥ 7 d (each bucket includes its lower bound)
EXPECTED_HISTOGRAM = [0, 2, 2, 1, 1, 0, 1, 1]
EXPECTED_BY_TYPE = {
    "2026-01": {CI: 2, MQ: 1, SQ: 0},
    "2026-02": {CI: 1, MQ: 1, SQ: 1},
    "2026-03": {CI: 2, MQ: 1, SQ: 1},
}


@pytest.fixture
def api_as(client):
    def make(user):
        _token, plain = api_token_issue(user=user, name="tests")
        return ApiClient(client, plain)

    return make
