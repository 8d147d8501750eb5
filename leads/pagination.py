"""Keyset (cursor) pagination: a page starts after the last row of the previous one, so deep pages stay fast."""
import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

# Each sort the API offers, as the (field, descending) pairs its ordering walks; every field is NOT NULL and
# the last one (the primary key) is unique, so the position of a row is exact.
KEYSETS = {
    "newest": (("received_at", True), ("id", True)),
    "time_left": (("received_at", False), ("id", False)),  # the same order as respond_by (see selectors.SORTS)
}


@dataclass
class Page:
    items: list
    next_cursor: str | None


def _encode(sort: str, values: list) -> str:
    raw = json.dumps([sort, *[value.isoformat() if isinstance(value, datetime) else str(value) for value in values]])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, sort: str) -> list:
    invalid = ValidationError({"cursor": ["This cursor is not valid; use the next_cursor of a previous page."]})
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise invalid
    keyset = KEYSETS[sort]
    if not isinstance(data, list) or len(data) != len(keyset) + 1 or data[0] != sort:
        raise invalid
    values = []
    try:
        for (field, _descending), value in zip(keyset, data[1:]):
            values.append(uuid.UUID(value) if field == "id" else datetime.fromisoformat(value))
    except (TypeError, ValueError):
        raise invalid
    if any(isinstance(value, datetime) and value.tzinfo is None for value in values):
        raise invalid
    return values


def _after(values: list, keyset) -> Q:
    """Rows strictly after `values` in the keyset's order: (a, b) > (x, y) spelled out so each direction may differ.

    The OR alone cannot bound an index scan, so page N would read the N pages before it; the redundant range on
    the first field (a <= x) lets PostgreSQL start the scan at the cursor, as fast on page 4,000 as on page 2.
    """
    first, descending = keyset[0]
    condition = Q()
    for index, (field, field_descending) in enumerate(keyset):
        step = Q(**{f"{field}__{'lt' if field_descending else 'gt'}": values[index]})
        for earlier in range(index):
            step &= Q(**{keyset[earlier][0]: values[earlier]})
        condition |= step
    return Q(**{f"{first}__{'lte' if descending else 'gte'}": values[0]}) & condition


def paginate(queryset: QuerySet, *, sort: str, cursor: str | None, limit: int) -> Page:
    """One page of `queryset` (already ordered by KEYSETS[sort]) after `cursor`, and the cursor of the next page."""
    keyset = KEYSETS[sort]
    if cursor:
        queryset = queryset.filter(_after(_decode(cursor, sort), keyset))
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    rows = rows[:limit]
    last = rows[-1]
    return Page(items=rows, next_cursor=_encode(sort, [getattr(last, field) for field, _ in keyset]))
