"""CSV export of a lead tab with the list's filters, streamed in chunks so any number of leads fits in memory.

The file speaks the user's language (leads.web.csv_words): headers and coded values as labels, and in Czech the
semicolons and decimal comma its Excel expects; a byte-order mark tells Excel it is UTF-8. The import reads it back.
"""

import csv
import io
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from leads.models import ARCHIVED_STATUSES, Stage, Status, TeamMember
from leads.selectors import ListFilters, lead_list_for
from leads.visibility import CONTACT_FIELDS, contact_visible
from leads.web.csv_words import Labeller, delimiter, header_row

CHUNK_SIZE = 2000
# The lead JSON's fields, with the customer's and the team flattened into columns: the machine codes of the
# columns, which the import always accepts (the file's header row gives them in the user's language).
COLUMNS = (
    "id",
    "partner",
    "lead_type",
    "tab",
    "status",
    "stage",
    "is_hot",
    "contact_requested",
    "received_at",
    "respond_by",
    "customer_company",
    "customer_contact_name",
    "customer_email",
    "customer_phone",
    "customer_company_size",
    "customer_country",
    "customer_city",
    "need",
    "referred_by_email",
    "deal_name",
    "deal_value",
    "currency",
    "estimated_close_date",
    "notes",
    "crm_id",
    "campaign_id",
    "reason",
    "reason_notes",
    "team",
    "is_favorite",
    "updated_at",
)
# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """The text of one cell, neutralised: every cell of every row goes through here, whatever built it."""
    if value.__class__ is str:
        text = value
    elif value is None:
        return ""
    elif value.__class__ is bool:
        return "true" if value else "false"
    elif hasattr(value, "isoformat"):
        text = value.isoformat().replace("+00:00", "Z")
    else:
        text = str(value)
    return "'" + text if text and text[0] in FORMULA_STARTS else text


class _SafeWriter:
    """A csv.writer that neutralises each cell as the row is written: the one place the CSV-injection guard runs,
    so a column added or derived later (the stage, the joined team) cannot skip it."""

    def __init__(self, buffer, separator: str = ","):
        self._writer = csv.writer(buffer, delimiter=separator)

    def writerow(self, row) -> None:
        self._writer.writerow([_cell(value) for value in row])


# Read as plain tuples, not model instances: building 100,000 models costs more than writing the CSV.
FIELDS = (
    "id",
    "partner__slug",
    "lead_type",
    "tab",
    "status",
    "is_hot",
    "contact_requested",
    "received_at",
    "respond_by",
    "customer__company",
    "customer__contact_name",
    "customer__email",
    "customer__phone",
    "customer__company_size",
    "customer__country",
    "customer__city",
    "need",
    "referred_by_email",
    "deal_name",
    "deal_value",
    "currency",
    "estimated_close_date",
    "notes",
    "crm_id",
    "campaign_id",
    "reason",
    "reason_notes",
    "is_favorite",
    "updated_at",
)
STATUS_INDEX = FIELDS.index("status")
CONTACT_INDEXES = [FIELDS.index(f"customer__{field}") for field in CONTACT_FIELDS]
TEAM_STATUSES = {Status.ACCEPTED, Status.WON, Status.LOST}
TEAM_INDEX = COLUMNS.index("team")


def _stage(status: str) -> str:
    return Stage.ARCHIVED.value if status in ARCHIVED_STATUSES else status


def _teams(lead_ids: list) -> dict:
    teams: dict = {}
    if not lead_ids:
        return teams
    for lead_id, name, email in (
        TeamMember.objects.filter(lead_id__in=lead_ids)
        .order_by("added_at", "id")
        .values_list("lead_id", "name", "email")
    ):
        teams.setdefault(lead_id, []).append(f"{name} <{email}>")
    return teams


def _csv(values: list[tuple], user=None) -> str:
    """CSV text for one chunk of FIELDS tuples, with the stage derived, the chunk's team members joined in and the
    codes labelled in the active language; contacts `user` may not see (leads.visibility) are left empty."""
    # A deal team exists only from acceptance on, so received, declined and expired leads need no lookup.
    teams = _teams([row[0] for row in values if row[STATUS_INDEX] in TEAM_STATUSES])
    buffer = io.StringIO()
    writer = _SafeWriter(buffer, delimiter())
    labeller = Labeller(COLUMNS)
    for row in values:
        cells = list(row)
        if not contact_visible(row[STATUS_INDEX], user):
            for index in CONTACT_INDEXES:
                cells[index] = ""
        cells.insert(STATUS_INDEX + 1, _stage(row[STATUS_INDEX]))
        cells.insert(TEAM_INDEX, "; ".join(teams.get(row[0], ())))
        labeller.label(cells)
        writer.writerow(cells)
    return buffer.getvalue()


def export_rows(leads, user=None, language: str | None = None) -> Iterator[str]:
    """The CSV text of `leads` in pieces of CHUNK_SIZE rows, read through a server-side cursor, in `language` (by
    default the one active when the first piece is made)."""
    language = language or translation.get_language()
    with translation.override(language):
        header = _csv_header()
    yield header
    chunk = []
    for values in leads.values_list(*FIELDS).iterator(chunk_size=CHUNK_SIZE):
        chunk.append(values)
        if len(chunk) == CHUNK_SIZE:
            yield _chunk(chunk, user, language)
            chunk = []
    if chunk:
        yield _chunk(chunk, user, language)


def _chunk(values: list[tuple], user, language: str) -> str:
    with translation.override(language):
        return _csv(values, user)


def _csv_header() -> str:
    buffer = io.StringIO()
    _SafeWriter(buffer, delimiter()).writerow(header_row(COLUMNS))
    return "\ufeff" + buffer.getvalue()


@login_required
@require_GET
def lead_export(request, tab: str):
    """The tab's leads as CSV, with the same status / search / sort filters as the list page; unknown tab → 404."""
    leads = lead_list_for(request.user, tab=tab, filters=ListFilters.from_query(request.GET))
    # The language is taken now: the rows are written after the view has returned, when it may be gone.
    rows = export_rows(leads, request.user, language=translation.get_language())
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    filename = f"leads-{tab}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
