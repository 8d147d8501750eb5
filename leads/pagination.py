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
    # Phase one of "time_left": the waiting leads, least time left first (respond_by is received_at + a constant).
    "time_left": (("received_at", False), ("id", False)),
}
# A sort in two phases (DESIGN §5): the leads matching the condition in KEYSETS[sort] order, then the others in
# the second keyset's order. Each phase is one index walk (lead_waiting_idx backwards, then lead_tab_idx), and the
# cursor names its phase ("<sort>" or "<sort>:rest"), so a deep page is as fast in either phase.
PHASES = {
    "time_left": (Q(status="received"), "received", (("received_at", True), ("id", True))),
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
    keyset = _keyset(sort)
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


def _keyset(sort: str):
    """The keyset of a sort, or of the second phase of a phased one ("time_left:rest")."""
    name, _colon, phase = sort.partition(":")
    return PHASES[name][2] if phase == "rest" else KEYSETS[name]


def _ordering(keyset) -> list[str]:
    return [f"-{field}" if descending else field for field, descending in keyset]


def paginate(queryset: QuerySet, *, sort: str, cursor: str | None, limit: int, offset: int = 0,
             statuses=()) -> Page:
    """One page of `queryset` after `cursor` (or after `offset` rows, for the first numbered pages) in the
    order of KEYSETS[sort] (PHASES[sort] for a two-phase sort), and the cursor of the next page. `statuses`, when
    given, are the only statuses the queryset holds: a phase none of them can be in is not queried."""
    if sort in PHASES:
        return _paginate_phased(queryset, sort=sort, cursor=cursor, limit=limit, offset=offset, statuses=statuses)
    return _page(queryset, sort, cursor, limit, offset)


def _page(queryset: QuerySet, sort: str, cursor: str | None, limit: int, offset: int = 0) -> Page:
    keyset = _keyset(sort)
    if cursor:
        queryset = queryset.filter(_after(_decode(cursor, sort), keyset))
    rows = list(queryset[offset: offset + limit + 1])
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    rows = rows[:limit]
    last = rows[-1]
    return Page(items=rows, next_cursor=_encode(sort, [getattr(last, field) for field, _ in keyset]))


def _paginate_phased(queryset: QuerySet, *, sort: str, cursor: str | None, limit: int, offset: int,
                     statuses) -> Page:
    condition, status, rest_keyset = PHASES[sort]
    rest_sort = f"{sort}:rest"
    first = queryset.filter(condition).order_by(*_ordering(KEYSETS[sort]))
    rest = queryset.exclude(condition).order_by(*_ordering(rest_keyset))
    in_first = not statuses or status in statuses
    in_rest = not statuses or any(value != status for value in statuses)
    if cursor and _cursor_sort(cursor) == rest_sort:
        return _page(rest, rest_sort, cursor, limit)
    if not in_first:
        return _page(rest, rest_sort, None, limit, offset)
    page = _page(first, sort, cursor, limit, offset)
    if page.next_cursor or not in_rest:
        return page
    # The first phase ran out on this page: fill it with the first rows of the second.
    room = limit - len(page.items)
    skip = 0 if page.items or cursor or not offset else max(offset - first.count(), 0)
    if room == 0:  # full already: the next page starts the second phase, after this page's last row
        if not rest[skip:skip + 1].exists():
            return page
        last = page.items[-1]
        return Page(items=page.items, next_cursor=_encode(sort, [getattr(last, f) for f, _ in KEYSETS[sort]]))
    more = _page(rest, rest_sort, None, room, skip)
    return Page(items=page.items + more.items, next_cursor=more.next_cursor)


def _cursor_sort(cursor: str) -> str:
    """The sort (and phase) a cursor names, or '' when it cannot be read (decoding it again refuses it)."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return ""
    return data[0] if isinstance(data, list) and data and isinstance(data[0], str) else ""
