"""POST /api/v1/leads/bulk (DESIGN §11): up to 1,000 actions in one request, each run alone through the same
services as its single endpoint; the answer lists one result per item, in the items' order.

Mounted by leadhub/api.py before the leads router, whose `/leads/{lead_id}` would otherwise take `/leads/bulk`.
"""

from typing import Any, Literal
from uuid import UUID

import pydantic
from ninja import Field, Router, Schema

from leads.api.schemas import AcceptIn, DealPatchIn, ErrorOut, InvalidOut, LeadOut, ReasonIn
from leads.selectors import lead_queryset_for, with_favorite_flag
from leads.services import Step, leads_bulk_run
from leads.services.bulk import MAX_ITEMS, BulkOutcome

router = Router(tags=["lifecycle"])

# Each action's body, as its own endpoint takes it (None: no fields).
ACTION_INPUTS = {"accept": AcceptIn, "decline": ReasonIn, "update": DealPatchIn, "win": None, "lose": ReasonIn}
ITEM_KEYS = {"id", "action", "if_version", "etag"}


class BulkIn(Schema):
    items: list[dict[str, Any]] = Field(
        max_length=MAX_ITEMS,
        description='Each {"id", "action": accept|decline|update|win|lose, ...the action\'s fields}; optional '
        '"if_version" (the lead\'s version) or "etag" writes only if the lead is unchanged.',
    )


class BulkDoneOut(Schema):
    id: str
    ok: Literal[True]
    lead: LeadOut


class BulkFailedOut(Schema):
    id: str
    ok: Literal[False]
    status: Literal[403, 404, 409, 412, 422]
    error: str
    errors: dict[str, list[str]] = Field(default_factory=dict, description="On 422: messages per field.")


class BulkOut(Schema):
    results: list[BulkDoneOut | BulkFailedOut]


class ItemInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid item")
        self.errors = errors


def _version(item: dict) -> int | None:
    """`if_version` (an integer) or `etag` ('"3"'): the version the client last saw; a malformed one never matches."""
    if item.get("if_version") is not None:
        value = item["if_version"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ItemInvalid({"if_version": ["Give the lead's version as an integer."]})
        return value
    if item.get("etag") is not None:
        tag = str(item["etag"]).strip().removeprefix("W/").strip('"')
        return int(tag) if tag.isascii() and tag.isdigit() and len(tag) < 10 else -1
    return None


def _step(item: dict) -> Step:
    action = item.get("action")
    if action not in ACTION_INPUTS:
        raise ItemInvalid({"action": [f"Choose from: {', '.join(ACTION_INPUTS)}."]})
    fields = {key: value for key, value in item.items() if key not in ITEM_KEYS}
    schema = ACTION_INPUTS[action]
    if schema is None:
        if fields:
            raise ItemInvalid({name: ["Unknown field."] for name in sorted(fields)})
        return Step(action)
    try:
        parsed = schema.model_validate(fields)
    except pydantic.ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            errors.setdefault(".".join(str(part) for part in error["loc"]) or "body", []).append(error["msg"])
        raise ItemInvalid(errors)
    data = parsed.model_dump(exclude_unset=True) if action == "update" else parsed.model_dump(exclude_none=True)
    return Step(action, data)


def _invalid(lead_id: str, errors: dict) -> BulkOutcome:
    message = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in errors.items())
    return BulkOutcome(lead_id, False, 422, message, errors=errors)


@router.post("/leads/bulk", response={200: BulkOut, 401: ErrorOut, 422: InvalidOut}, summary="Many actions at once")
def bulk(request, payload: BulkIn):
    """Each item runs alone; one that fails (404, 409, 412, 422) changes nothing and spoils no other."""
    outcomes: list[BulkOutcome | None] = []
    runnable, positions = [], []
    given = [str(item.get("id", "")) for item in payload.items]
    for lead_id, item in zip(given, payload.items):
        try:
            steps, version = [_step(item)], _version(item)
        except ItemInvalid as exc:
            outcomes.append(_invalid(lead_id, exc.errors))
            continue
        positions.append(len(outcomes))
        outcomes.append(None)
        runnable.append((lead_id, steps, version))
    for position, outcome in zip(positions, leads_bulk_run(by=request.auth, items=runnable)):
        outcomes[position] = outcome
    # The leads that changed, read once (with what LeadOut shows) rather than one query per item.
    ok_ids = {UUID(outcome.lead_id) for outcome in outcomes if outcome.ok}
    leads = with_favorite_flag(lead_queryset_for(request.auth).filter(pk__in=ok_ids), request.auth)
    by_id = {str(lead.pk): lead for lead in leads.select_related("customer", "partner").prefetch_related("team")}
    results = []
    for lead_id, outcome in zip(given, outcomes):
        if outcome.ok:
            results.append({"id": lead_id, "ok": True, "lead": by_id[outcome.lead_id]})
        else:
            results.append(
                {"id": lead_id, "ok": False, "status": outcome.status, "error": outcome.error, "errors": outcome.errors}
            )
    return {"results": results}
