"""The leads endpoints of the JSON API (DESIGN §5): thin wrappers over the same selectors, services and transition
registry as the web pages. The API itself (auth, error answers) is wired in leadhub/api.py."""

from django.http import HttpResponse
from ninja import Header, Query, Router, Status

from leads import services
from leads.api.schemas import (
    AcceptIn,
    ConflictOut,
    DealPatchIn,
    ErrorOut,
    EventOut,
    InvalidOut,
    LeadCreateIn,
    LeadOut,
    LeadPage,
    ReasonIn,
    SortName,
    StatusFilter,
    TabName,
    TeamMemberIn,
    Text,
    etag_for,
)
from leads.exceptions import LeadChanged
from leads.models import Lead
from leads.pagination import paginate
from leads.selectors import ListFilters, lead_get_for, lead_history, lead_list_for, parse_lead_id
from leads.transitions import TRANSITIONS, Transition

router = Router(tags=["leads"])

IfMatch = Header(None, alias="If-Match", description='The lead\'s etag, e.g. "3": write only if it is unchanged.')

READ = {401: ErrorOut, 404: ErrorOut, 422: InvalidOut}
WRITE = {**READ, 403: ErrorOut, 409: ConflictOut, 412: ErrorOut}
# The body each transition takes; one without an entry takes none.
TRANSITION_INPUTS = {"accept": AcceptIn, "decline": ReasonIn, "lose": ReasonIn}


def _if_version(if_match: str | None) -> int | None:
    """The version an If-Match header names; None when absent or `*`. An etag no lead could have never matches."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not (tag.isascii() and tag.isdigit()) or len(tag) > 9:
        raise LeadChanged()
    return int(tag)


def _lead(request, response: HttpResponse, lead_id) -> Lead:
    """The lead as the caller now sees it, with the ETag header its JSON carries."""
    lead = lead_get_for(request.auth, lead_id)
    response["ETag"] = etag_for(lead)
    return lead


@router.get("/leads", response={200: LeadPage, **READ}, summary="List leads")
def list_leads(
    request,
    tab: TabName | None = Query(None, description="One tab; every tab when left out."),
    status: list[StatusFilter] | None = Query(
        None, description="Repeatable; a stage name (archived) stands for its statuses."
    ),
    q: Text = Query("", max_length=200, description="Search customer, need, deal name and CRM id."),
    partner: Text | None = Query(
        None, max_length=80, description="A partner's slug (useful to ops, who see every partner)."
    ),
    sort: SortName = Query("newest"),
    cursor: Text | None = Query(None, max_length=500),
    limit: int = Query(25, ge=1, le=100),
):
    filters = ListFilters.validated(statuses=status or (), q=q, sort=sort)
    leads = lead_list_for(request.auth, tab=tab, filters=filters)
    if partner:
        leads = leads.filter(partner__slug=partner)
    page = paginate(
        leads.prefetch_related("team"), sort=sort, cursor=cursor, limit=limit, statuses=filters.wanted_statuses()
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("/leads", response={201: LeadOut, **WRITE}, summary="Create a lead (vendor ops staff only)")
def create_lead(request, response: HttpResponse, payload: LeadCreateIn):
    lead = services.lead_create(by=request.auth, **payload.dict())
    return Status(201, _lead(request, response, lead.pk))


@router.post(
    "/leads/{lead_id}/reroute",
    response={201: LeadOut, **WRITE},
    tags=["lifecycle"],
    summary="Send a declined or expired lead to the next partner (vendor ops staff only)",
)
def reroute_lead(request, response: HttpResponse, lead_id: str):
    lead = services.lead_reroute(lead=parse_lead_id(lead_id), by=request.auth)
    return Status(201, _lead(request, response, lead.pk))


@router.get("/leads/{lead_id}", response={200: LeadOut, **READ}, summary="One lead")
def get_lead(request, response: HttpResponse, lead_id: str):
    return _lead(request, response, lead_id)


@router.patch("/leads/{lead_id}", response={200: LeadOut, **WRITE}, summary="Edit an accepted deal")
def update_deal(request, response: HttpResponse, lead_id: str, payload: DealPatchIn, if_match: str | None = IfMatch):
    services.lead_update_deal(
        lead=lead_id, by=request.auth, if_version=_if_version(if_match), **payload.dict(exclude_unset=True)
    )
    return _lead(request, response, lead_id)


@router.post(
    "/leads/{lead_id}/team", response={201: LeadOut, **WRITE}, summary="Add a deal team member", tags=["lifecycle"]
)
def add_team_member(
    request, response: HttpResponse, lead_id: str, payload: TeamMemberIn, if_match: str | None = IfMatch
):
    services.lead_add_team_member(lead=lead_id, by=request.auth, if_version=_if_version(if_match), **payload.dict())
    return Status(201, _lead(request, response, lead_id))


@router.delete(
    "/leads/{lead_id}/team/{member_id}",
    response={200: LeadOut, **WRITE},
    summary="Remove a deal team member",
    tags=["lifecycle"],
)
def remove_team_member(request, response: HttpResponse, lead_id: str, member_id: str, if_match: str | None = IfMatch):
    services.lead_remove_team_member(
        lead=lead_id, by=request.auth, member_id=member_id, if_version=_if_version(if_match)
    )
    return _lead(request, response, lead_id)


@router.put("/leads/{lead_id}/favorite", response={204: None, **READ}, summary="Mark as favourite", tags=["favorites"])
def favorite_lead(request, lead_id: str):
    services.lead_favorite_set(lead=lead_id, by=request.auth, favorite=True)
    return Status(204, None)


@router.delete(
    "/leads/{lead_id}/favorite", response={204: None, **READ}, summary="Unmark as favourite", tags=["favorites"]
)
def unfavorite_lead(request, lead_id: str):
    services.lead_favorite_set(lead=lead_id, by=request.auth, favorite=False)
    return Status(204, None)


@router.get("/leads/{lead_id}/history", response={200: list[EventOut], **READ}, summary="What happened to a lead")
def lead_events(request, lead_id: str):
    return list(lead_history(lead_get_for(request.auth, lead_id)))


def _add_transition_endpoint(transition: Transition) -> None:
    """POST /leads/<id>/<name> for one transition, taking its input schema as the body (or none)."""
    schema = TRANSITION_INPUTS.get(transition.name)
    path, summary = f"/leads/{{lead_id}}/{transition.name}", f"{transition.label} (from {transition.source})"
    options = {
        "response": {200: LeadOut, **WRITE},
        "summary": summary,
        "tags": ["lifecycle"],
        "operation_id": f"{transition.name}_lead",
    }

    if schema is None:

        def endpoint(request, response: HttpResponse, lead_id: str, if_match: str | None = IfMatch):
            transition.service(lead=lead_id, by=request.auth, if_version=_if_version(if_match))
            return _lead(request, response, lead_id)
    else:

        def endpoint(request, response: HttpResponse, lead_id: str, payload: schema, if_match: str | None = IfMatch):
            transition.service(
                lead=lead_id, by=request.auth, if_version=_if_version(if_match), **payload.dict(exclude_none=True)
            )
            return _lead(request, response, lead_id)

    router.post(path, **options)(endpoint)


for _transition in TRANSITIONS.values():
    _add_transition_endpoint(_transition)
