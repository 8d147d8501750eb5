"""CSV export of a lead tab with the list's filters, streamed row by row so any number of leads fits in memory."""
import csv
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from leads.models import STAGE_STATUSES, Lead, Status
from leads.selectors import SORTS, lead_list_for

CHUNK_SIZE = 2000
MAX_QUERY_LENGTH = 200
ALLOWED_STATUSES = {*Status.values, *(str(stage) for stage in STAGE_STATUSES)}
# The lead JSON's fields, with the customer's and the team flattened into columns.
COLUMNS = (
    "id", "partner", "lead_type", "tab", "status", "stage", "is_hot", "contact_requested", "received_at",
    "respond_by", "customer_company", "customer_contact_name", "customer_email", "customer_phone",
    "customer_company_size", "customer_country", "customer_city", "need", "referred_by_email", "deal_name",
    "deal_value", "currency", "estimated_close_date", "notes", "crm_id", "campaign_id", "reason", "reason_notes",
    "team", "is_favorite", "updated_at",
)
# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write returns the line, so csv.writer produces strings to stream."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def lead_row(lead: Lead) -> list[str]:
    customer = lead.customer
    team = "; ".join(f"{member.name} <{member.email}>" for member in lead.team.all())
    values = (
        lead.pk, lead.partner.slug, lead.lead_type, lead.tab, lead.status, lead.stage, lead.is_hot,
        lead.contact_requested, lead.received_at, lead.respond_by, customer.company, customer.contact_name,
        customer.email, customer.phone, customer.company_size, customer.country, customer.city, lead.need,
        lead.referred_by_email, lead.deal_name, lead.deal_value, lead.currency, lead.estimated_close_date,
        lead.notes, lead.crm_id, lead.campaign_id, lead.reason, lead.reason_notes, team,
        getattr(lead, "is_favorite", False), lead.updated_at,
    )
    return [_cell(value) for value in values]


def export_rows(leads) -> Iterator[str]:
    """The CSV lines of `leads`, fetched CHUNK_SIZE rows at a time (team members prefetched per chunk)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for lead in leads.prefetch_related("team").iterator(chunk_size=CHUNK_SIZE):
        yield writer.writerow(lead_row(lead))


@login_required
@require_GET
def lead_export(request, tab: str):
    """The tab's leads as CSV, with the same status / search / sort filters as the list page; unknown tab → 404."""
    statuses = [status for status in request.GET.getlist("status") if status in ALLOWED_STATUSES]
    q = request.GET.get("q", "").replace("\x00", "")[:MAX_QUERY_LENGTH]
    sort = request.GET.get("sort", "newest")
    leads = lead_list_for(request.user, tab=tab, statuses=statuses, q=q, sort=sort if sort in SORTS else "newest")
    response = StreamingHttpResponse(export_rows(leads), content_type="text/csv; charset=utf-8")
    filename = f"leads-{tab}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
