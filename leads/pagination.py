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
    "time_left": (("received_at", False), ("id", False)),  # the same order as respond_by (see selectors.SORTS)
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
        if name != sort or name not in KEYSETS:
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


# The cursor holds (received_at, id): every keyset must walk exactly those fields, in that order.
assert all(tuple(field for field, _ in keyset) == ("received_at", "id") for keyset in KEYSETS.values())


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
        queryset = queryset.filter(_after(Cursor.decode(cursor, sort=sort).values(), keyset))
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    rows = rows[:limit]
    last = rows[-1]
    return Page(items=rows, next_cursor=Cursor(sort=sort, received_at=last.received_at, id=last.id).encode())
