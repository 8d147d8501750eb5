"""The CSV export's words (docs/import.md): each column's header and each coded value's label in the reader's
language, and the way back — any supported language's header or label, or the machine code itself, to the code —
so a file exported in Czech, edited in Czech Excel and uploaded by an English-speaking colleague still imports.

The machine codes (`COLUMNS` in leads.web.export, the choices' values) are the stable column set: the import
always accepts them, whatever the language of the rest of the file.
"""

import functools
from decimal import Decimal

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext, pgettext_lazy

from common.countries import country_name
from leads.models import DeclineReason, LeadType, LostReason, Stage, Status, Tab

HEADERS = {
    "id": pgettext_lazy("CSV column", "ID"),
    "partner": pgettext_lazy("CSV column", "Partner"),
    "lead_type": pgettext_lazy("CSV column", "Lead type"),
    "tab": pgettext_lazy("CSV column", "List"),
    "status": pgettext_lazy("CSV column", "Status"),
    "stage": pgettext_lazy("CSV column", "Stage"),
    "is_hot": pgettext_lazy("CSV column", "Hot"),
    "contact_requested": pgettext_lazy("CSV column", "Asked to be called"),
    "received_at": pgettext_lazy("CSV column", "Received (UTC)"),
    "respond_by": pgettext_lazy("CSV column", "Answer by (UTC)"),
    "customer_company": pgettext_lazy("CSV column", "Company"),
    "customer_contact_name": pgettext_lazy("CSV column", "Contact name"),
    "customer_email": pgettext_lazy("CSV column", "E-mail"),
    "customer_phone": pgettext_lazy("CSV column", "Phone"),
    "customer_company_size": pgettext_lazy("CSV column", "Company size"),
    "customer_country": pgettext_lazy("CSV column", "Country"),
    "customer_city": pgettext_lazy("CSV column", "City"),
    "need": pgettext_lazy("CSV column", "Need"),
    "referred_by_email": pgettext_lazy("CSV column", "Referred by"),
    "deal_name": pgettext_lazy("CSV column", "Deal name"),
    "deal_value": pgettext_lazy("CSV column", "Deal value"),
    "currency": pgettext_lazy("CSV column", "Currency"),
    "estimated_close_date": pgettext_lazy("CSV column", "Estimated close date"),
    "notes": pgettext_lazy("CSV column", "Notes"),
    "crm_id": pgettext_lazy("CSV column", "CRM ID"),
    "campaign_id": pgettext_lazy("CSV column", "Campaign ID"),
    "reason": pgettext_lazy("CSV column", "Reason"),
    "reason_notes": pgettext_lazy("CSV column", "Reason notes"),
    "team": pgettext_lazy("CSV column", "Deal team"),
    "is_favorite": pgettext_lazy("CSV column", "Favorite"),
    "updated_at": pgettext_lazy("CSV column", "Last changed (UTC)"),
}
# Columns whose cells are codes of a choice: exported as the choice's label, read back from either.
CHOICES = {"lead_type": (LeadType,), "tab": (Tab,), "status": (Status,), "stage": (Stage,)}
REASONS = {Status.DECLINED: DeclineReason, Status.LOST: LostReason}
CHOICES["reason"] = tuple(REASONS.values())


def header_row(columns) -> list[str]:
    return [str(HEADERS[column]) for column in columns]


def delimiter() -> str:
    """A semicolon where the language writes a decimal comma (Czech): what its Excel splits a CSV on."""
    return ";" if formats.get_format("DECIMAL_SEPARATOR") == "," else ","


class Labeller:
    """Turns the codes of an export row (a list in `columns`' order) into the active language's words."""

    def __init__(self, columns):
        at = {column: index for index, column in enumerate(columns)}
        self.coded = [(at[column], _labels(choices)) for column, choices in CHOICES.items() if column != "reason"]
        self.status, self.reason = at["status"], at["reason"]
        self.reasons = {status: _labels((choices,)) for status, choices in REASONS.items()}
        self.flags = [at[column] for column in ("is_hot", "contact_requested", "is_favorite")]
        self.yes, self.no = gettext("Yes"), gettext("No")
        self.country, self.countries = at["customer_country"], {}
        self.value = at["deal_value"] if formats.get_format("DECIMAL_SEPARATOR") == "," else None

    def label(self, cells: list) -> None:
        """Labels `cells` in place, the reason first while the status is still a code (the reason's label depends
        on it); an unknown code is kept as it is."""
        reasons = self.reasons.get(cells[self.status])
        if reasons is not None:
            cells[self.reason] = reasons.get(cells[self.reason], cells[self.reason])
        for index, labels in self.coded:
            cells[index] = labels.get(cells[index], cells[index])
        for index in self.flags:
            if cells[index].__class__ is bool:
                cells[index] = self.yes if cells[index] else self.no
        code = cells[self.country]
        if code:
            name = self.countries.get(code)
            if name is None:
                name = self.countries[code] = country_name(code)
            cells[self.country] = name
        if self.value is not None and cells[self.value].__class__ is Decimal:
            cells[self.value] = str(cells[self.value]).replace(".", ",")


def header_of(column: str) -> str:
    """A column's header in the active language (its code when it is not one of the export's columns)."""
    return str(HEADERS[column]) if column in HEADERS else column


def value_text(column: str, value, status: str = "") -> str:
    """A value as the export writes it in the active language: the import's preview and results show changes so,
    in the words of the file the person edited. A reason's label depends on the lead's `status` then."""
    if value is None:
        return ""
    if column == "status":
        return _labels((Status,)).get(value, value)
    if column == "reason":
        enums = (REASONS[status],) if status in REASONS else CHOICES["reason"]
        return next((str(enum(value).label) for enum in enums if value in enum.values), value)
    if value.__class__ is bool:
        return gettext("Yes") if value else gettext("No")
    if value.__class__ is Decimal and formats.get_format("DECIMAL_SEPARATOR") == ",":
        return str(value).replace(".", ",")
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _labels(choices) -> dict:
    return {choice.value: str(choice.label) for enum in choices for choice in enum}


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


@functools.cache
def _columns_by_word() -> dict:
    """Every supported language's header (and the code) → the column's code."""
    words = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for column, header in HEADERS.items():
                words.setdefault(_key(str(header)), column)
    words.update({_key(column): column for column in HEADERS})
    return words


@functools.cache
def _codes_by_word() -> dict:
    """For each coded column: every supported language's label (and the code) → the code."""
    words = {}
    for column, choices in CHOICES.items():
        table = words.setdefault(column, {})
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for enum in choices:
                    table.update({_key(str(choice.label)): choice.value for choice in enum})
        table.update({_key(code): code for code in _labels(choices)})
    return words


def column_of(header: str) -> str | None:
    """The column a header names, in any supported language or as its code; None for a column the import does not
    know (a column the user added)."""
    return _columns_by_word().get(_key(header))


def code_of(column: str, cell: str) -> str:
    """The code a coded column's cell names (its label in any supported language, or the code); any other text is
    returned as it is, for the import to refuse naming the column."""
    return _codes_by_word()[column].get(_key(cell), cell.strip())
