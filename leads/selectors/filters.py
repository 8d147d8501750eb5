"""The one list-filter object: the web list, the CSV export and the API all hand a ListFilters to lead_list_for."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from leads.models import STAGE_STATUSES, Status

MAX_QUERY_LENGTH = 200
# A status value, or a stage name standing for its statuses (archived = won, lost, declined, expired).
STATUS_FILTERS = tuple(dict.fromkeys([*(str(stage) for stage in STAGE_STATUSES), *Status.values]))
# Each sort's order is in leads.selectors.leads.SORTS; the keyset (cursor) sorts in leads.pagination.KEYSETS.
SORT_CHOICES = (
    ("newest", _("Newest first")),
    ("time_left", _("Least time left")),
    ("deal_value", _("Highest deal value")),
)
SORT_NAMES = tuple(name for name, _label in SORT_CHOICES)


@dataclass(frozen=True)
class ListFilters:
    statuses: tuple[str, ...] = ()
    q: str = ""
    sort: str = "newest"

    @classmethod
    def from_query(cls, query: QueryDict, *, sorts=SORT_NAMES) -> "ListFilters":
        """From a query string (`status` repeatable, `q`, `sort`): a bad value falls back alone to its default, so a
        stale bookmark still opens the list; use `validated` where bad input must be refused."""
        statuses = tuple(status for status in query.getlist("status") if status in STATUS_FILTERS)
        q = query.get("q", "")
        q = q.strip() if len(q) <= MAX_QUERY_LENGTH and _storable(q) else ""
        sort = query.get("sort", "")
        return cls(statuses=statuses, q=q, sort=sort if sort in sorts else "newest")

    @classmethod
    def validated(cls, *, statuses=(), q: str = "", sort: str = "newest", sorts=SORT_NAMES) -> "ListFilters":
        """The same filters, with a ValidationError naming each bad field instead of falling back."""
        errors = {}
        unknown = [status for status in statuses if status not in STATUS_FILTERS]
        if unknown:
            errors["status"] = [f"Choose from: {', '.join(STATUS_FILTERS)}."]
        q = q or ""
        if len(q) > MAX_QUERY_LENGTH or not _storable(q):
            errors["q"] = [f"Use at most {MAX_QUERY_LENGTH} characters of text."]
        if sort not in sorts:
            errors["sort"] = [f"Choose from: {', '.join(sorts)}."]
        if errors:
            raise ValidationError(errors)
        return cls(statuses=tuple(statuses), q=q.strip(), sort=sort)

    @property
    def status(self) -> str:
        """The one status the web list's select shows ('' for all)."""
        return self.statuses[0] if len(self.statuses) == 1 else ""

    def wanted_statuses(self) -> list[str]:
        """The status values to show, stages expanded; empty for all."""
        wanted = set()
        for value in self.statuses:
            wanted.update(STAGE_STATUSES.get(value, [value]))
        return sorted(wanted)


def _storable(text: str) -> bool:
    """Text the database can hold: no null character, and valid UTF-8 (no lone surrogate)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
