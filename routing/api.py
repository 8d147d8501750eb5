"""GET /api/v1/partners/match (ops only): who would get a lead like this, best first, and why (DESIGN §7)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from common.validators import clean_country, clean_text, collect
from profiles.models import CompanySize
from routing.history import LEAD_TYPES
from routing.selectors import MAX_LIMIT, LeadRequest, partners_match

router = Router(tags=["routing"])


class ReasonOut(Schema):
    signal: str
    detail: str


class MatchOut(Schema):
    partner: str
    name: str
    score: float
    reasons: list[ReasonOut]


class MatchPage(Schema):
    items: list[MatchOut]


class ErrorOut(Schema):
    detail: str


class InvalidOut(Schema):
    detail: str
    errors: dict[str, list[str]]


def _choice(value, choices) -> str:
    text = clean_text(value, max_length=40)
    if text and text not in choices:
        raise ValidationError(_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices)}, code="invalid_choice")
    return text


def _limit(value) -> int:
    text = clean_text(value, max_length=12)
    if not text:
        return 10
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_LIMIT:
        raise ValidationError(_("Enter a whole number from 1 to %(n)d.") % {"n": MAX_LIMIT}, code="invalid")
    return int(text)


@router.get(
    "/partners/match",
    response={200: MatchPage, 401: ErrorOut, 403: ErrorOut, 422: InvalidOut},
    summary="Partners that may get a lead, best first (vendor ops staff only)",
)
def match_partners(
    request,
    need: str | None = Query(None, description="The customer's need (required)."),
    company_size: str | None = Query(None, description="One of 1-9, 10-49, 50-249, 250-999, 1000+."),
    country: str | None = Query(None, description="ISO 3166-1 alpha-2 code, e.g. CZ."),
    city: str | None = Query(None),
    lead_type: str | None = Query(None, description="customer_inquiry, marketing_qualified or sales_qualified."),
    limit: str | None = Query(None, description="1 to 50; 10 when left out."),
):
    if not request.auth.is_staff:
        raise PermissionDenied(_("Only vendor ops staff may match partners."))
    cleaned = collect(
        {
            "need": lambda: clean_text(need, max_length=5000, required=True),
            "company_size": lambda: _choice(company_size, CompanySize.values),
            "country": lambda: clean_country(country),
            "city": lambda: clean_text(city, max_length=120),
            "lead_type": lambda: _choice(lead_type, LEAD_TYPES),
            "limit": lambda: _limit(limit),
        }
    )
    limit_ = cleaned.pop("limit")
    matches = partners_match(LeadRequest(**cleaned), limit=limit_)
    return {
        "items": [
            {"partner": match.slug, "name": match.name, "score": match.score, "reasons": match.reasons}
            for match in matches
        ]
    }
