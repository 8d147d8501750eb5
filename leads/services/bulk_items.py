"""What a bulk's items are and what each answers (leads.services.bulk): the item's steps, its outcome, and the
status an API answers for each way an item can fail."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from leads.exceptions import LeadChanged, LeadConflict

MAX_ITEMS = 1000
# The item's failures, each answered for that item alone: a bulk goes on with the next item.
FAILURES = (Http404, LeadConflict, LeadChanged, PermissionDenied, ValidationError)


@dataclass(frozen=True)
class Step:
    action: str  # accept, decline, update, win, lose, favorite or unfavorite
    fields: Mapping = field(default_factory=dict)  # the service's keyword arguments


@dataclass
class BulkOutcome:
    """What happened to one item: ok, or the status an API would answer for it (404, 409, 412, 422, 403)."""

    lead_id: str
    ok: bool
    status: int = 200
    error: str = ""
    errors: dict = field(default_factory=dict)
    current_status: str = ""  # on a conflict: the lead's status now (e.g. declined by a colleague)


def failed(shown: str, exc: Exception) -> BulkOutcome:
    """The outcome of an item that raised one of FAILURES."""
    if isinstance(exc, Http404):
        return BulkOutcome(shown, False, 404, "No such lead.")
    if isinstance(exc, LeadConflict):
        return BulkOutcome(shown, False, 409, exc.message, current_status=exc.status)
    if isinstance(exc, LeadChanged):
        return BulkOutcome(shown, False, 412, exc.message)
    if isinstance(exc, PermissionDenied):
        return BulkOutcome(shown, False, 403, str(exc) or "Your role may not do this.")
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    message = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in errors.items())
    return BulkOutcome(shown, False, 422, message, errors=errors)
