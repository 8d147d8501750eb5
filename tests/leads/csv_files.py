"""Reading the lead export as a person gets it: a byte-order mark, the headers in their language, and (in Czech)
semicolons; rows come back keyed by the machine column codes, the set the import always accepts."""

import csv
import io

from leads.web.export import COLUMNS

# What an English and a Czech sales person see in the first row of the file, column by column.
HEADERS = {
    "en": (
        "ID", "Partner", "Lead type", "List", "Status", "Stage", "Hot", "Asked to be called", "Received (UTC)",
        "Answer by (UTC)", "Company", "Contact name", "E-mail", "Phone", "Company size", "Country", "City", "Need",
        "Referred by", "Deal name", "Deal value", "Currency", "Estimated close date", "Notes", "CRM ID",
        "Campaign ID", "Reason", "Reason notes", "Deal team", "Favorite", "Last changed (UTC)",
    ),
    "cs": (
        "ID", "Partner", "Typ leadu", "Seznam", "Stav", "Fáze", "Horký", "Chce zavolat", "Doručeno (UTC)",
        "Odpovědět do (UTC)", "Firma", "Kontaktní osoba", "E-mail", "Telefon", "Velikost firmy", "Země", "Město",
        "Potřeba", "Doporučil", "Název obchodu", "Hodnota obchodu", "Měna", "Odhadované datum uzavření", "Poznámky",
        "ID v CRM", "ID kampaně", "Důvod", "Upřesnění důvodu", "Obchodní tým", "Oblíbený", "Naposledy změněno (UTC)",
    ),
}  # fmt: skip
DELIMITERS = {"en": ",", "cs": ";"}


def parse(data: bytes, language: str = "en") -> list[dict]:
    """The export's rows keyed by column code, after checking the file starts as Excel needs it to."""
    assert data.startswith(b"\xef\xbb\xbf"), "no byte-order mark: Excel would read the UTF-8 as Windows-1250"
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=DELIMITERS[language])
    assert tuple(next(reader)) == HEADERS[language]
    return [dict(zip(COLUMNS, cells, strict=True)) for cells in reader]


def as_people_see(rows: list[dict], language: str = "en") -> list[dict]:
    """The rows keyed by the headers of `language`, as a spreadsheet shows them."""
    names = dict(zip(COLUMNS, HEADERS[language], strict=True))
    return [{names[column]: cell for column, cell in row.items()} for row in rows]
