"""The webhooks part of the JSON API (DESIGN §9): register, list, delete endpoints, rotate their secrets.

Partner admins manage their organisation's endpoints; ops staff may list anyone's (`?partner=<slug>`) but not
change them or see a secret; everyone else is refused (403); another organisation's endpoint is a 404.
"""

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from webhooks import services
from webhooks.models import Endpoint
from webhooks.selectors import endpoints_for

router = Router(tags=["webhooks"])


class ErrorOut(Schema):
    detail: str


class InvalidOut(Schema):
    detail: str
    errors: dict[str, list[str]]


class EndpointIn(Schema):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="https URL of your receiver (public addresses only).", max_length=2000)
    events: list[str] = Field(
        default_factory=list, max_length=20, description="Event types to send, e.g. lead.received; empty: every type."
    )


class EndpointOut(Schema):
    id: int
    url: str
    events: list[str]
    is_active: bool = Field(description="False once LeadHub disabled it (410, or three days of failures).")
    paused: bool
    partner: str = Field(description="The partner organisation's slug.")
    created_at: str

    @staticmethod
    def resolve_partner(endpoint: Endpoint) -> str:
        return endpoint.organisation.slug

    @staticmethod
    def resolve_created_at(endpoint: Endpoint) -> str:
        return endpoint.created_at.isoformat()


class EndpointWithSecretOut(EndpointOut):
    secret: str = Field(description="whsec_ + base64; shown in this answer only. Verify signatures with it.")


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: InvalidOut}


def _with_secret(endpoint: Endpoint, secret: str) -> Endpoint:
    endpoint.secret = secret  # on this answer only; the model keeps it encrypted
    return endpoint


@router.post("/webhooks", response={201: EndpointWithSecretOut, **ERRORS}, summary="Register a webhook endpoint")
def create_endpoint(request, response: HttpResponse, payload: EndpointIn):
    endpoint, secret = services.endpoint_create(by=request.auth, url=payload.url, events=payload.events)
    response["Cache-Control"] = "no-store"
    return Status(201, _with_secret(endpoint, secret))


@router.get("/webhooks", response={200: list[EndpointOut], **ERRORS}, summary="List webhook endpoints (no secrets)")
def list_endpoints(
    request, partner: str | None = Query(None, max_length=80, description="Ops staff: one partner's slug.")
):
    return list(endpoints_for(request.auth, manage=False, partner=partner))


@router.delete("/webhooks/{endpoint_id}", response={204: None, **ERRORS}, summary="Delete a webhook endpoint")
def delete_endpoint(request, endpoint_id: int):
    services.endpoint_delete(by=request.auth, endpoint_id=endpoint_id)
    return Status(204, None)


@router.post(
    "/webhooks/{endpoint_id}/rotate-secret",
    response={200: EndpointWithSecretOut, **ERRORS},
    summary="Rotate the signing secret (the old one keeps signing for 24 hours)",
)
def rotate_secret(request, response: HttpResponse, endpoint_id: int):
    endpoint, secret = services.endpoint_rotate_secret(by=request.auth, endpoint_id=endpoint_id)
    response["Cache-Control"] = "no-store"
    return _with_secret(endpoint, secret)
