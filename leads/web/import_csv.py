"""Reading an edited export back (DESIGN §11, docs/import.md): decode and split the spreadsheet's CSV, then compare
each row with its lead as it is now, and plan the services that would make the change — writing nothing.

The file is the export's format (leads.web.export.COLUMNS): UTF-8 with or without a byte-order mark, or the
Windows-1250 that Czech Excel saves, separated by commas or semicolons. Only `id`, `updated_at` and the columns in
EDITABLE are read; the rest of the export is there to be read by people and is ignored. Headers and coded values
may be the export's words in any supported language or the machine codes (leads.web.csv_words).
"""

import codecs
import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from common.validators import collect
from leads import validators as v
from leads.exceptions import LeadNotFound
from leads.models import ARCHIVED_STATUSES, DeclineReason, LostReason, Status
from leads.selectors import lead_queryset_for, parse_lead_id, with_favorite_flag
from leads.services import DEAL_FIELDS, Step
from leads.services.deals import deal_cleaners
from leads.web.csv_words import HEADERS, code_of, column_of, header_of, value_text
from leads.web.export import FORMULA_STARTS

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
REQUIRED = ("id", "updated_at")
EDITABLE = ("status", "reason", "reason_notes", *DEAL_FIELDS, "is_favorite")
TRUE, FALSE = {"true", "1", "yes", "ano", "pravda"}, {"false", "0", "no", "ne", "nepravda", ""}
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d. %m. %Y")  # ISO, and as Czech Excel writes a date back


class ImportRefused(Exception):
    """The whole file is refused (too big, too many rows, not a CSV of the export): nothing was read."""


@dataclass
class RowPlan:
    line: int  # the row's number in the spreadsheet (the header is row 1)
    lead_id: str
    company: str = ""
    outcome: str = "unchanged"  # unchanged | change | refused
    reason: str = ""  # why a row is refused, naming the column where one is at fault
    changes: list = field(default_factory=list)  # (column, old text, new text)
    steps: list = field(default_factory=list)  # leads.services.Step, run in order, all or nothing
    version: int | None = None  # the lead's version when previewed: apply refuses a lead changed since


def decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        except UnicodeDecodeError:
            raise ImportRefused(_("The file says it is UTF-8 but is not. Save it again as CSV UTF-8."))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1250")
    except UnicodeDecodeError:
        raise ImportRefused(_("Save the file as CSV in UTF-8 or Windows-1250."))


def read_rows(data: bytes) -> list[tuple[int, dict]]:
    """(line, {column: cell}) for each non-empty row, cells as the export wrote them (its apostrophe removed)."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(_("The file is larger than 2 MB. Import at most 1,000 rows at a time."))
    text = decode(data)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [column_of(name) for name in next(reader)]
    except (StopIteration, csv.Error):
        raise ImportRefused(_("The file is empty."))
    missing = [str(HEADERS[name]) for name in REQUIRED if name not in header]
    if missing:
        raise ImportRefused(
            _("Columns missing: %(columns)s. Upload the CSV that “Export CSV” gives, edited.")
            % {"columns": ", ".join(missing)}
        )
    read = [name for name in dict.fromkeys(header) if name in REQUIRED or name in EDITABLE]
    twice = [str(HEADERS[name]) for name in read if header.count(name) > 1]
    if twice:
        raise ImportRefused(
            _("These columns appear more than once: %(columns)s. Keep one of each.") % {"columns": ", ".join(twice)}
        )
    rows = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) == MAX_ROWS:
                raise ImportRefused(
                    _("The file has more than %(n)s rows. Import at most %(n)s at a time.") % {"n": f"{MAX_ROWS:,}"}
                )
            rows.append(
                (
                    reader.line_num,
                    {name: restore(cell) for name, cell in zip(header, cells) if name in REQUIRED or name in EDITABLE},
                )
            )
    except csv.Error as exc:
        raise ImportRefused(_("Row %(line)s cannot be read: %(error)s") % {"line": reader.line_num, "error": exc})
    return rows


def restore(cell: str) -> str:
    """The value the export neutralised against formula injection, as it was: without exactly the one apostrophe
    it put before =, +, -, @, a tab or a carriage return (leads.web.export)."""
    return cell[1:] if len(cell) > 1 and cell[0] == "'" and cell[1] in FORMULA_STARTS else cell


def _decimal(cell: str):
    text = cell.replace("\xa0", "").replace(" ", "").strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # a Czech decimal comma
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return cell


def _date(cell: str):
    text = cell.strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None if not text else cell


def _wanted(column: str, cell: str):
    """The cell as a value comparable with the lead's (an unreadable one stays text: the service names it)."""
    if column == "deal_value":
        return _decimal(cell)
    if column == "estimated_close_date":
        return _date(cell)
    if column == "currency":
        return cell.strip().upper()
    if column in ("status", "reason"):
        return code_of(column, cell)
    return cell.replace("\r\n", "\n").strip()


def _refuse(plan: RowPlan, reason: str) -> RowPlan:
    plan.outcome, plan.reason, plan.steps = "refused", reason, []
    return plan


def _errors(exc: ValidationError) -> str:
    return "; ".join(f"{header_of(name)}: {' '.join(texts)}" for name, texts in exc.message_dict.items())


def plan_rows(user, rows: list[tuple[int, dict]]) -> list[RowPlan]:
    """Compare every row with its lead now; one query for all the leads, nothing written."""
    ids = {}
    for _line, cells in rows:
        try:
            ids[cells.get("id", "")] = parse_lead_id(cells.get("id", "").strip())
        except LeadNotFound:  # planned as "not found" below, like another organisation's lead
            pass
    leads = {
        lead.pk: lead
        for lead in with_favorite_flag(lead_queryset_for(user), user)
        .filter(pk__in=set(ids.values()))
        .select_related("customer")
    }
    seen, plans = set(), []
    for line, cells in rows:
        plan = RowPlan(line=line, lead_id=cells.get("id", "").strip())
        lead = leads.get(ids.get(cells.get("id", "")))
        if lead is None:
            plans.append(_refuse(plan, _("Not found: no lead of yours has this id.")))
            continue
        plan.company, plan.version = lead.customer.company, lead.version
        if lead.pk in seen:
            plans.append(_refuse(plan, _("The lead appears in an earlier row too.")))
            continue
        seen.add(lead.pk)
        plans.append(_plan_row(plan, lead, cells))
    return plans


def _plan_row(plan: RowPlan, lead, cells: dict) -> RowPlan:
    exported = parse_datetime(cells["updated_at"].strip().replace("Z", "+00:00"))
    if exported is None:
        return _refuse(
            plan,
            _("%(column)s: keep the value the export wrote, e.g. 2026-11-30T09:15:00.123456Z.")
            % {"column": header_of("updated_at")},
        )
    current = {column: getattr(lead, column) for column in EDITABLE if column != "is_favorite"}
    current["is_favorite"] = bool(lead.is_favorite)
    wanted = {}
    for column in EDITABLE:
        if column not in cells:
            continue
        if column == "is_favorite":
            flag = cells[column].strip().lower()
            if flag not in TRUE | FALSE:
                return _refuse(plan, _("%(column)s: write yes or no.") % {"column": header_of("is_favorite")})
            wanted[column] = flag in TRUE
        else:
            wanted[column] = _wanted(column, cells[column])
    changed = {column: value for column, value in wanted.items() if value != current[column]}
    status = wanted.get("status", lead.status)
    plan.changes = [
        (
            header_of(column),
            value_text(column, current[column], lead.status),
            value_text(column, value, status if status in Status.values else lead.status),
        )
        for column, value in changed.items()
    ]
    if not changed:
        return plan
    plan.outcome = "change"
    lead_changes = {column: value for column, value in changed.items() if column != "is_favorite"}
    if lead_changes:
        if lead.status in ARCHIVED_STATUSES:
            return _refuse(
                plan,
                _("The lead is %(status)s and archived: it can no longer change.")
                % {"status": lead.get_status_display().lower()},
            )
        if exported != lead.updated_at:
            return _refuse(plan, _("Changed by someone since the export: export it again and redo this row."))
        try:
            plan.steps = _lead_steps(lead, lead_changes, {**current, **wanted})
        except ValidationError as exc:
            return _refuse(plan, _errors(exc))
    if "is_favorite" in changed:
        plan.steps.append(Step("favorite" if changed["is_favorite"] else "unfavorite"))
    return plan


def _reason_steps(action: str, choices, row: dict) -> list[Step]:
    cleaned = collect(
        {
            "reason": lambda: v.clean_choice(row["reason"], choices, label="reason"),
            "reason_notes": lambda: v.clean_text(row["reason_notes"], max_length=5000),
        }
    )
    return [Step(action, cleaned)]


def _lead_steps(lead, changes: dict, row: dict) -> list[Step]:
    """The services that make `changes`, with every value checked now so a refused row names its column."""
    status = changes.get("status", lead.status)
    deal = {column: value for column, value in changes.items() if column in DEAL_FIELDS}
    moves = {
        (Status.RECEIVED, Status.ACCEPTED),
        (Status.RECEIVED, Status.DECLINED),
        (Status.ACCEPTED, Status.WON),
        (Status.ACCEPTED, Status.LOST),
    }
    if "status" in changes and (lead.status, status) not in moves:
        raise ValidationError(
            {
                "status": [
                    _("A lead that is %(old)s cannot become “%(new)s” here.")
                    % {"old": lead.get_status_display().lower(), "new": value_text("status", status)}
                ]
            }
        )
    if {"reason", "reason_notes"} & set(changes) and status not in (Status.DECLINED, Status.LOST):
        raise ValidationError({"reason": [_("Give a reason only when the row declines or loses the lead.")]})
    if status == Status.DECLINED:
        if deal:
            raise ValidationError({next(iter(deal)): [_("A declined lead has no deal.")]})
        return _reason_steps("decline", DeclineReason, row)
    if lead.status == Status.RECEIVED and status == Status.RECEIVED:
        raise ValidationError({next(iter(deal)): [_("Accept the lead (status accepted) to give it a deal.")]})
    if status == Status.ACCEPTED and lead.status == Status.RECEIVED:
        fields = {column: row[column] for column in DEAL_FIELDS}
        cleaned = collect(deal_cleaners(_as_input(fields), accepting=True))
        return [Step("accept", cleaned)]
    steps = []
    if deal:
        steps.append(Step("update", collect(deal_cleaners(_as_input(deal), accepting=False))))
    if status == Status.WON:
        steps.append(Step("win"))
    elif status == Status.LOST:
        steps += _reason_steps("lose", LostReason, row)
    return steps


def _as_input(fields: dict) -> dict:
    """Values for the services' cleaners: dates as ISO text unless parsed, nothing for an emptied value."""
    return {
        column: (value.isoformat() if isinstance(value, date) else ("" if value is None else value))
        for column, value in fields.items()
    }
