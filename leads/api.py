"""The JSON API at /api/v1/ (DESIGN §5): thin endpoints over the same selectors and services as the web views."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Header, NinjaAPI, Query, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError
from ninja.security import HttpBearer

from leads import services
from leads.exceptions import LeadChanged, LeadConflict
from leads.models import Lead
from leads.pagination import paginate
from leads.schemas import (
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
from leads.selectors import lead_get_for, lead_history, lead_list_for
from profiles.api_tokens import api_token_user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; a revoked token or a deactivated user is the same as no token."""

    def authenticate(self, request: HttpRequest, token: str):
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="LeadHub API",
    version="1",
    description="Partners' leads for CRMs and other systems. Authenticate with `Authorization: Bearer <token>`.",
    auth=TokenAuth(),
    urls_namespace="api-v1",
)

IfMatch = Header(None, alias="If-Match", description='The lead\'s etag, e.g. "3": write only if it is unchanged.')

READ = {401: ErrorOut, 404: ErrorOut, 422: InvalidOut}
WRITE = {**READ, 403: ErrorOut, 409: ConflictOut, 412: ErrorOut}


# Every error is JSON with a `detail`; invalid input also names each field in `errors`.

def _invalid(request, errors: dict[str, list[str]]) -> HttpResponse:
    return api.create_response(request, {"detail": "Some fields are not valid.", "errors": errors}, status=422)


@api.exception_handler(ValidationError)
def _service_validation_error(request, exc: ValidationError):
    return _invalid(request, exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages})


REQUEST_PARTS = {"body", "query", "path", "header", "cookie", "form"}


@api.exception_handler(RequestValidationError)
def _request_validation_error(request, exc: RequestValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] in REQUEST_PARTS:
            # Body parameters are wrapped in the endpoint's argument name ("payload"), which the client never sent.
            loc = loc[2:] if loc[0] == "body" and len(loc) > 1 and loc[1] == "payload" else loc[1:]
        errors.setdefault(".".join(loc) or "body", []).append(error.get("msg", "Invalid value."))
    return _invalid(request, errors)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400:  # ninja's "Cannot parse request body"
        return _invalid(request, {"body": ["Send a JSON object."]})
    if isinstance(exc, AuthenticationError):
        response = api.create_response(
            request, {"detail": "Give a valid API token: Authorization: Bearer <token>."}, status=401
        )
        response["WWW-Authenticate"] = "Bearer"
        return response
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(Http404)
def _not_found(request, exc: Http404):
    return api.create_response(request, {"detail": str(exc) or "Not found."}, status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc: PermissionDenied):
    return api.create_response(request, {"detail": str(exc) or "Your role may not do this."}, status=403)


@api.exception_handler(LeadConflict)
def _conflict(request, exc: LeadConflict):
    return api.create_response(request, {"detail": exc.message, "status": exc.status}, status=409)


@api.exception_handler(LeadChanged)
def _changed(request, exc: LeadChanged):
    return api.create_response(request, {"detail": exc.message}, status=412)


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


@api.get("/leads", response={200: LeadPage, **READ}, summary="List leads", tags=["leads"])
def list_leads(
    request,
    tab: TabName | None = Query(None, description="One tab; every tab when left out."),
    status: list[StatusFilter] | None = Query(
        None, description="Repeatable; a stage name (archived) stands for its statuses."),
    q: Text = Query("", max_length=200, description="Search customer, need, deal name and CRM id."),
    partner: Text | None = Query(
        None, max_length=80, description="A partner's slug (useful to ops, who see every partner)."),
    sort: SortName = Query("newest"),
    cursor: Text | None = Query(None, max_length=500),
    limit: int = Query(25, ge=1, le=100),
):
    leads = lead_list_for(request.auth, tab=tab, statuses=status or (), q=q, sort=sort)
    if partner:
        leads = leads.filter(partner__slug=partner)
    page = paginate(leads.prefetch_related("team"), sort=sort, cursor=cursor, limit=limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@api.post("/leads", response={201: LeadOut, **WRITE}, summary="Create a lead (vendor ops staff only)", tags=["leads"])
def create_lead(request, response: HttpResponse, payload: LeadCreateIn):
    lead = services.lead_create(by=request.auth, **payload.dict())
    return Status(201, _lead(request, response, lead.pk))


@api.get("/leads/{lead_id}", response={200: LeadOut, **READ}, summary="One lead", tags=["leads"])
def get_lead(request, response: HttpResponse, lead_id: str):
    return _lead(request, response, lead_id)


@api.patch("/leads/{lead_id}", response={200: LeadOut, **WRITE}, summary="Edit an accepted deal", tags=["leads"])
def update_deal(request, response: HttpResponse, lead_id: str, payload: DealPatchIn, if_match: str | None = IfMatch):
    services.lead_update_deal(lead=lead_id, by=request.auth, if_version=_if_version(if_match),
                              **payload.dict(exclude_unset=True))
    return _lead(request, response, lead_id)


@api.post("/leads/{lead_id}/accept", response={200: LeadOut, **WRITE}, summary="Accept a received lead",
          tags=["lifecycle"])
def accept_lead(request, response: HttpResponse, lead_id: str, payload: AcceptIn, if_match: str | None = IfMatch):
    deal = payload.dict(exclude_none=True)
    team = deal.pop("team", [])
    services.lead_accept(lead=lead_id, by=request.auth, if_version=_if_version(if_match), team=team, **deal)
    return _lead(request, response, lead_id)


@api.post("/leads/{lead_id}/decline", response={200: LeadOut, **WRITE}, summary="Decline a received lead",
          tags=["lifecycle"])
def decline_lead(request, response: HttpResponse, lead_id: str, payload: ReasonIn, if_match: str | None = IfMatch):
    services.lead_decline(lead=lead_id, by=request.auth, if_version=_if_version(if_match), **payload.dict())
    return _lead(request, response, lead_id)


@api.post("/leads/{lead_id}/win", response={200: LeadOut, **WRITE}, summary="Mark an accepted lead won",
          tags=["lifecycle"])
def win_lead(request, response: HttpResponse, lead_id: str, if_match: str | None = IfMatch):
    services.lead_win(lead=lead_id, by=request.auth, if_version=_if_version(if_match))
    return _lead(request, response, lead_id)


@api.post("/leads/{lead_id}/lose", response={200: LeadOut, **WRITE}, summary="Mark an accepted lead lost",
          tags=["lifecycle"])
def lose_lead(request, response: HttpResponse, lead_id: str, payload: ReasonIn, if_match: str | None = IfMatch):
    services.lead_lose(lead=lead_id, by=request.auth, if_version=_if_version(if_match), **payload.dict())
    return _lead(request, response, lead_id)


@api.post("/leads/{lead_id}/team", response={201: LeadOut, **WRITE}, summary="Add a deal team member",
          tags=["lifecycle"])
def add_team_member(request, response: HttpResponse, lead_id: str, payload: TeamMemberIn,
                    if_match: str | None = IfMatch):
    services.lead_add_team_member(lead=lead_id, by=request.auth, if_version=_if_version(if_match), **payload.dict())
    return Status(201, _lead(request, response, lead_id))


@api.put("/leads/{lead_id}/favorite", response={204: None, **READ}, summary="Mark as favourite", tags=["favorites"])
def favorite_lead(request, lead_id: str):
    services.lead_favorite_set(lead=lead_id, by=request.auth, favorite=True)
    return Status(204, None)


@api.delete("/leads/{lead_id}/favorite", response={204: None, **READ}, summary="Unmark as favourite",
            tags=["favorites"])
def unfavorite_lead(request, lead_id: str):
    services.lead_favorite_set(lead=lead_id, by=request.auth, favorite=False)
    return Status(204, None)


@api.get("/leads/{lead_id}/history", response={200: list[EventOut], **READ}, summary="What happened to a lead",
         tags=["leads"])
def lead_events(request, lead_id: str):
    return list(lead_history(lead_get_for(request.auth, lead_id)))
