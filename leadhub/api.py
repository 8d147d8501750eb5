"""The JSON API at /api/v1/ (docs/api.md): one NinjaAPI with bearer-token auth and one error format, mounting each
app's Router. Every error is JSON with a `detail`; invalid input also names each field in `errors`."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError
from ninja.security import HttpBearer

from insights.api import router as insights_router
from leads.api import router as leads_router
from leads.api.bulk import router as leads_bulk_router
from leads.exceptions import LeadChanged, LeadConflict
from profiles.api_tokens import api_token_user
from routing.api import router as routing_router
from webhooks.api import router as webhooks_router


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
api.add_router("", leads_bulk_router)  # first: /leads/{lead_id} would take /leads/bulk
api.add_router("", leads_router)
api.add_router("", routing_router)
api.add_router("", insights_router)
api.add_router("", webhooks_router)


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
