"""Keyset (cursor) pagination: a page starts after the last row of the previous one, so deep pages stay fast."""

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

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
# the second keyset's order. Each phase is one index walk (the received leads' partial index, then the tab's),
# and the cursor names its phase ("<sort>" or "<sort>:rest"), so a deep page is as fast in either phase.
PHASES = {
    "time_left": (Q(status="received"), "received", (("received_at", True), ("id", True))),
}


@dataclass
class Page:
    items: list
    next_cursor: str | None


# A cursor is at most a sort name, an ISO timestamp and a UUID: anything much longer was not made by us, and a
# long one could nest JSON deep enough to exhaust the parser's recursion.
MAX_CURSOR_LENGTH = 500
CURSOR_INVALID = "This cursor is not valid; use the next_cursor of a previous page."


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: the sort it was made for and the last row's (received_at, id), the keysets' fields.

    Built only from validated values by `decode`, so a query never sees what the client put in the JSON: the
    wire form is base64 of exactly ["<sort>", "<ISO datetime with a zone>", "<UUID>"], all strings.
    """

    sort: str
    received_at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        raw = json.dumps([self.sort, self.received_at.isoformat(), str(self.id)])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, *, sort: str) -> "Cursor":
        """The cursor `text` names for a page of `sort`, or a ValidationError naming `cursor`."""
        invalid = ValidationError({"cursor": [CURSOR_INVALID]})
        if not isinstance(text, str) or len(text) > MAX_CURSOR_LENGTH or not text.isascii():
            raise invalid
        try:
            data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        except (binascii.Error, ValueError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise invalid
        # Exactly three strings: a bool, number, null, list or dict anywhere is refused before it is parsed.
        if not (isinstance(data, list) and len(data) == 3 and all(type(item) is str for item in data)):
            raise invalid
        name, received_at, row_id = data
        if name != sort or keyset_of(name) is None:
            raise invalid
        try:
            at = datetime.fromisoformat(received_at)
            parsed_id = uuid.UUID(row_id)
        except ValueError:
            raise invalid
        if at.tzinfo is None or at.utcoffset() is None:
            raise invalid
        try:  # a zone offset that moves the instant outside the years a datetime can hold
            at.astimezone(UTC)
        except OverflowError:
            raise invalid
        return cls(sort=name, received_at=at, id=parsed_id)

    def values(self) -> tuple:
        return self.received_at, self.id


def keyset_of(sort: str):
    """The keyset of a sort, or of the second phase of a phased one ("time_left:rest"); None if there is none."""
    name, _colon, phase = sort.partition(":")
    if phase:
        return PHASES[name][2] if phase == "rest" and name in PHASES else None
    return KEYSETS.get(name)


# The cursor holds (received_at, id): every keyset must walk exactly those fields, in that order.
assert all(
    tuple(field for field, _ in keyset) == ("received_at", "id")
    for keyset in [*KEYSETS.values(), *(phase[2] for phase in PHASES.values())]
)


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


def _ordering(keyset) -> list[str]:
    return [f"-{field}" if descending else field for field, descending in keyset]


def paginate(queryset: QuerySet, *, sort: str, cursor: str | None, limit: int, offset: int = 0, statuses=()) -> Page:
    """One page of `queryset` after `cursor` (or after `offset` rows, for the first numbered pages) in the
    order of KEYSETS[sort] (PHASES[sort] for a two-phase sort), and the cursor of the next page. `statuses`, when
    given, are the only statuses the queryset holds: a phase none of them can be in is not queried."""
    if sort in PHASES:
        return _paginate_phased(queryset, sort=sort, cursor=cursor, limit=limit, offset=offset, statuses=statuses)
    return _page(queryset, sort, cursor, limit, offset)


def _page(queryset: QuerySet, sort: str, cursor: str | None, limit: int, offset: int = 0) -> Page:
    keyset = keyset_of(sort)
    if cursor:
        queryset = queryset.filter(_after(Cursor.decode(cursor, sort=sort).values(), keyset))
    rows = list(queryset[offset : offset + limit + 1])
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    rows = rows[:limit]
    return Page(items=rows, next_cursor=_cursor_after(sort, rows[-1]))


def _cursor_after(sort: str, row) -> str:
    return Cursor(sort=sort, received_at=row.received_at, id=row.id).encode()


def _paginate_phased(queryset: QuerySet, *, sort: str, cursor: str | None, limit: int, offset: int, statuses) -> Page:
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
        if not rest[skip : skip + 1].exists():
            return page
        return Page(items=page.items, next_cursor=_cursor_after(sort, page.items[-1]))
    more = _page(rest, rest_sort, None, room, skip)
    return Page(items=page.items + more.items, next_cursor=more.next_cursor)


def _cursor_sort(cursor: str) -> str:
    """The sort (and phase) a cursor names, or '' when it cannot be read (Cursor.decode then refuses it)."""
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
        return ""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        return ""
    return data[0] if isinstance(data, list) and data and type(data[0]) is str else ""
