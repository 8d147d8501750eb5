"""`GET /api/v1/insights` (DESIGN §8): the same numbers as the page, as JSON, for the token's own organisation
(ops staff: every partner, or one with `partner=<slug>`)."""

from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from insights.period import period_parse
from insights.selectors import Insights, insights_for, insights_partner_for
from leads.models import Status

router = Router(tags=["insights"])


class ByStatus(Schema):
    received: int
    accepted: int
    won: int
    lost: int
    declined: int
    expired: int


class MonthOut(Schema):
    month: str = Field(..., examples=["2026-03"])
    received: int
    accepted: int = Field(..., description="Received that month and now accepted, won or lost.")
    won: int = Field(..., description="Received that month and now won.")


class InsightsOut(Schema):
    leads: int = Field(..., description="Leads received in the period.")
    by_status: ByStatus = Field(..., description="The current status of those leads.")
    acceptance_rate: float | None = Field(..., description="(accepted + won + lost) / (that + declined + expired).")
    win_rate: float | None = Field(..., description="won / (won + lost).")
    median_response_hours: float | None = Field(..., description="Received to accepted or declined, median.")
    pipeline_value: dict[str, str] = Field(..., description="Deal values of the leads now accepted, per currency.")
    won_value: dict[str, str] = Field(..., description="Deal values of the leads now won, per currency.")
    by_month: list[MonthOut]
    decline_reasons: dict[str, int]


class ErrorOut(Schema):
    detail: str


class InvalidOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(..., description="Each invalid field (`from`, `to`) with its messages.")


class InsightsQuery(Schema):
    from_: str | None = Field(None, alias="from", description="First day, YYYY-MM-DD (default: 89 days before to).")
    to: str | None = Field(None, description="Last day, YYYY-MM-DD (default: today).")
    partner: str | None = Field(None, description="Ops staff: one partner's slug (default: all partners).")


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def insights_json(insights: Insights) -> dict:
    """The §8 shape; the page's CSV carries the same figures."""
    return {
        "leads": insights.leads,
        "by_status": {status: insights.by_status[status] for status in Status.values},
        "acceptance_rate": insights.acceptance_rate,
        "win_rate": insights.win_rate,
        "median_response_hours": insights.median_response_hours,
        "pipeline_value": {currency: _money(value) for currency, value in insights.pipeline_value.items()},
        "won_value": {currency: _money(value) for currency, value in insights.won_value.items()},
        "by_month": [
            {"month": row.month.strftime("%Y-%m"), "received": row.received, "accepted": row.accepted, "won": row.won}
            for row in insights.by_month
        ],
        "decline_reasons": insights.decline_reasons,
    }


@router.get(
    "/insights",
    response={200: InsightsOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: InvalidOut},
    summary="A partner's numbers for a period",
    description="Leads received from `from` to `to` (both included, at most five years; default the last "
    "90 days), by their current status. A partner's token sees its own organisation only; "
    "another organisation's slug in `partner` is a 404.",
)
def insights(request: HttpRequest, params: Query[InsightsQuery]):
    period = period_parse({"from": params.from_, "to": params.to})
    partner = insights_partner_for(request.auth, params.partner)
    return insights_json(insights_for(request.auth, period=period, partner=partner))
