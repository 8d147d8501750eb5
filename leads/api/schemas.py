"""The JSON shapes of the API (DESIGN §5): what a lead looks like, and what each write accepts."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from django.utils.translation import get_language
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict

from common.text import unstorable_reason
from leads.models import EventAction, Lead, LeadEvent, LeadType, ListTab, Stage, Status, Tab
from leads.pagination import KEYSETS
from leads.selectors import STATUS_FILTERS
from leads.visibility import contact_visible, without_contact

# The API's enums, derived from the models' choices (and the filters' and pagination's own lists).
TabName = Literal[tuple(ListTab.values)]
StatusFilter = Literal[STATUS_FILTERS]  # a status value, or a stage name standing for its statuses
SortName = Literal[tuple(KEYSETS)]  # the API pages by cursor only
LeadTypeName = Literal[tuple(LeadType.values)]


def _storable(value: str) -> str:
    reason = unstorable_reason(value)
    if reason is not None:
        raise ValueError(str(reason))
    return value


# Free text the database must be able to hold (no null character, no lone surrogate, which JSON can spell as
# "\ud800"), in bodies and query parameters alike; the services apply each field's real rules (lengths, formats).
Text = Annotated[str, AfterValidator(_storable)]


class InputSchema(Schema):
    # An unknown field is a mistake the client should hear about, not silently dropped.
    model_config = ConfigDict(extra="forbid")


def etag_for(lead: Lead) -> str:
    return f'"{lead.version}"'


class CustomerOut(Schema):
    company: str
    # null for partner users once the lead is declined or expired (leads.visibility).
    contact_name: str | None
    email: str | None
    phone: str | None
    company_size: str
    country: str
    city: str


class TeamMemberOut(Schema):
    id: int = Field(description="Use it to remove the member: DELETE /api/v1/leads/<id>/team/<member_id>.")
    name: str
    email: str
    phone: str


class ReasonOut(Schema):
    signal: str = Field(description="keywords, location, responsiveness, history or capacity.")
    detail: str = Field(description="The reason in words, in the request's language (Accept-Language).")


class LeadOut(Schema):
    id: UUID
    partner: str = Field(description="The partner organisation's slug.")
    lead_type: LeadTypeName
    tab: Literal[tuple(Tab.values)]
    status: Literal[tuple(Status.values)]
    stage: Literal[tuple(Stage.values)]
    is_hot: bool = Field(description="The customer asked to be called and the lead is under LEADHUB_HOT_HOURS old.")
    contact_requested: bool
    received_at: datetime
    respond_by: datetime
    decided_at: datetime | None
    customer: CustomerOut
    need: str
    referred_by_email: str
    deal_name: str
    deal_value: str | None = Field(description='Decimal string, e.g. "12500.00".')
    currency: str
    estimated_close_date: date | None
    notes: str
    crm_id: str
    campaign_id: str
    reason: str
    reason_notes: str
    team: list[TeamMemberOut]
    is_favorite: bool
    created_at: datetime
    updated_at: datetime
    etag: str = Field(description="Send it back in If-Match to write only if nobody changed the lead meanwhile.")
    match_reasons: list[ReasonOut] = Field(
        description="Why routing sent the lead to this partner; empty when it was addressed by hand."
    )
    routed_from: UUID | None = Field(description="The lead of the previous partner in this lead's routing chain.")

    @staticmethod
    def resolve_partner(lead: Lead) -> str:
        return lead.partner.slug

    @staticmethod
    def resolve_customer(lead: Lead, context) -> dict:
        customer = {field: getattr(lead.customer, field) for field in CustomerOut.model_fields}
        return customer if contact_visible(lead, context["request"].auth) else without_contact(customer)

    @staticmethod
    def resolve_is_hot(lead: Lead) -> bool:
        return lead.hot_state == "hot"

    @staticmethod
    def resolve_stage(lead: Lead) -> str:
        return str(lead.stage)

    @staticmethod
    def resolve_deal_value(lead: Lead) -> str | None:
        return None if lead.deal_value is None else str(lead.deal_value)

    @staticmethod
    def resolve_team(lead: Lead) -> list:
        return list(lead.team.all())

    @staticmethod
    def resolve_is_favorite(lead: Lead) -> bool:
        return bool(getattr(lead, "is_favorite", False))

    @staticmethod
    def resolve_etag(lead: Lead) -> str:
        return etag_for(lead)

    @staticmethod
    def resolve_match_reasons(lead: Lead) -> list[dict]:
        return lead.match_reasons_in(get_language() or "en")

    @staticmethod
    def resolve_routed_from(lead: Lead):
        return lead.routed_from_id


class LeadPage(Schema):
    items: list[LeadOut]
    next_cursor: str | None = Field(description="Pass it as `cursor` for the next page; null on the last page.")


class EventOut(Schema):
    at: datetime
    actor: str | None = Field(description="Username of who acted; null for LeadHub itself (jobs, the contact form).")
    actor_name: str
    action: Literal[tuple(EventAction.values)]
    from_status: str
    to_status: str
    changes: dict

    @staticmethod
    def resolve_actor(event: LeadEvent) -> str | None:
        return event.actor.get_username() if event.actor_id else None

    @staticmethod
    def resolve_actor_name(event: LeadEvent) -> str:
        return event.actor_label

    @staticmethod
    def resolve_changes(event: LeadEvent, context) -> dict:
        # A follow-up inquiry records the contact name and phone the customer gave.
        visible = contact_visible(event.lead, context["request"].auth)
        return event.changes if visible else without_contact(event.changes)


class CustomerIn(InputSchema):
    company: Text
    contact_name: Text
    email: Text
    phone: Text = ""
    company_size: Text = Field("", description="One of 1-9, 10-49, 50-249, 250-999, 1000+ (or empty).")
    country: Text = Field("", description="ISO 3166-1 alpha-2 code, e.g. CZ.")
    city: Text = ""


class LeadCreateIn(InputSchema):
    partner: Text | None = Field(
        None,
        description="The partner organisation's slug; left out, LeadHub routes the "
        "lead to the partner most likely to win it (422 naming partner "
        "when none is eligible).",
    )
    lead_type: LeadTypeName
    customer: CustomerIn
    need: Text
    contact_requested: bool = False
    referred_by_email: Text = Field("", description="Told when the lead expires; defaults to the caller's e-mail.")
    received_at: datetime | None = Field(None, description="For imports: when the lead was originally received.")


class TeamMemberIn(InputSchema):
    name: Text
    email: Text
    phone: Text = ""


class DealFieldsIn(InputSchema):
    deal_name: Text | None = None
    deal_value: Decimal | None = Field(None, description="≥ 0, at most 2 decimal places; a string or a number.")
    currency: Text | None = Field(None, description="ISO 4217 code; USD when not given on accept.")
    estimated_close_date: date | None = None
    notes: Text | None = None
    crm_id: Text | None = None
    campaign_id: Text | None = None


class AcceptIn(DealFieldsIn):
    deal_name: Text
    deal_value: Decimal = Field(description="≥ 0, at most 2 decimal places; a string or a number.")
    estimated_close_date: date
    team: list[TeamMemberIn] = Field(default_factory=list, max_length=50)


class DealPatchIn(DealFieldsIn):
    """Only the fields sent are changed."""


class ReasonIn(InputSchema):
    reason: Text
    reason_notes: Text = ""


class ErrorOut(Schema):
    detail: str


class ConflictOut(Schema):
    detail: str
    status: str = Field(description="The lead's current status.")


class InvalidOut(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(
        description="Messages per field; nested fields are dotted, e.g. customer.email."
    )
