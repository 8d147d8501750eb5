"""What seed_bulk writes: the vocabulary of realistic data, and writers that stream rows to PostgreSQL's COPY."""

import io
import queue
import random
import threading
import uuid
from datetime import datetime, timedelta

from django.conf import settings

from leads.management.bulk_vocabulary import (
    COMPANY_SUFFIXES,
    COMPANY_WORDS,
    CURRENCIES,
    DEAL_NAMES,
    DECLINE_REASONS,
    EMAIL_NAME,
    FIRST_NAMES,
    FRESH_STATUSES,
    LAST_NAMES,
    LEAD_TYPES,
    LOST_REASONS,
    NEEDS,
    OLD_STATUSES,
    PLACES,
    SIZES,
)
from leads.models import Customer, Lead, LeadEvent, LeadSearch, search_text

DAYS_OF_HISTORY = 730
LARGEST_SHARE = 0.20
COPY_CHUNK = 20_000


LEAD_COLUMNS = (
    "id",
    "partner_id",
    "lead_type",
    "customer_id",
    "need",
    "referred_by_id",
    "referring_partner_id",
    "referred_by_email",
    "received_at",
    "respond_by",
    "contact_requested",
    "is_hot",
    "status",
    "decided_at",
    "deal_name",
    "deal_value",
    "currency",
    "estimated_close_date",
    "notes",
    "crm_id",
    "campaign_id",
    "reason",
    "reason_notes",
    "version",
    "created_at",
    "updated_at",
)
CUSTOMER_COLUMNS = ("id", "company", "contact_name", "email", "phone", "company_size", "country", "city", "created_at")
EVENT_COLUMNS = ("lead_id", "at", "actor_id", "action", "from_status", "to_status", "changes")
FAVORITE_COLUMNS = ("user_id", "lead_id", "created_at")
SEARCH_COLUMNS = ("lead_id", "text")
NULL = "\\N"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def ts(value: datetime) -> str:
    return value.isoformat()


def _copy_text(value: str) -> str:
    """`value` as a column of COPY's text format, where a backslash, tab or line break must be escaped."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class CopySender:
    """Sends COPY statements on one connection from a thread of its own, in the order given, so that PostgreSQL
    takes in one chunk while Python generates the next (on two cores, loading took the sum of the two before).

    Only this thread uses the connection until `close()`, which waits for every chunk and re-raises a failure.
    """

    def __init__(self, cursor, *, waiting: int = 4):
        self.cursor = getattr(cursor, "cursor", cursor)  # psycopg's own cursor under Django's wrapper
        self.chunks: queue.Queue = queue.Queue(maxsize=waiting)  # bounded: generation waits when PostgreSQL lags
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="leadhub-copy", daemon=True)
        self.thread.start()

    def send(self, statement: str, data: str | None) -> None:
        """Queue a COPY statement with its data, or (data None) a plain statement."""
        if self.error is not None:
            raise self.error
        self.chunks.put((statement, data))

    def execute(self, statement: str) -> None:
        self.send(statement, None)

    def abandon(self, cancel=None) -> None:
        """The load failed elsewhere: skip whatever is still queued, `cancel()` the statement under way (the
        connection's cancel), and wait for the thread, raising nothing."""
        self.error = self.error or RuntimeError("the load was abandoned")
        if cancel is not None:
            cancel()
        self.chunks.put(None)
        self.thread.join()

    def _run(self) -> None:
        while (chunk := self.chunks.get()) is not None:
            if self.error is None:  # after a failure, drain without sending so that `send` never blocks
                statement, data = chunk
                try:
                    if data is None:
                        self.cursor.execute(statement)
                    else:
                        with self.cursor.copy(statement) as copy:
                            copy.write(data)
                except BaseException as error:  # noqa: BLE001 - re-raised on the calling thread
                    self.error = error

    def close(self) -> None:
        self.chunks.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


class CopyWriter:
    """Buffers tab-separated rows of one table and sends each full chunk as one complete COPY statement, through
    `sender` (a CopySender, shared by the writers of one connection: it sends one COPY at a time) or at once.
    """

    def __init__(self, cursor, table: str, columns: tuple[str, ...], *, sender: CopySender | None = None):
        self.cursor = cursor
        self.sender = sender
        self.statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        self.buffer = io.StringIO()
        self.rows = 0
        self.pending = 0

    def add(self, *values) -> None:
        self.buffer.write("\t".join(values))
        self.buffer.write("\n")
        self.pending += 1
        if self.pending >= COPY_CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            if self.sender is not None:
                self.sender.send(self.statement, self.buffer.getvalue())
            else:
                with self.cursor.copy(self.statement) as copy:
                    copy.write(self.buffer.getvalue())
            self.rows += self.pending
            self.buffer = io.StringIO()
            self.pending = 0

    def close(self) -> None:
        self.flush()


def _next_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return cursor.fetchone()[0]


def sync_identity(cursor, table: str) -> None:
    """Explicit ids bypass the identity sequence; move it past them so later inserts do not collide."""
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
    )


class LeadWriter:
    """Generates leads with their customer, history events and search row, and streams the four tables."""

    def __init__(self, cursor, rng: random.Random, now: datetime, *, search_sender: CopySender | None = None):
        self.rng = rng
        self.now = now
        self.customer_id = _next_id(cursor, Customer._meta.db_table)
        self.sender = CopySender(cursor)  # writers added beside these (seed_bulk's favourites) share it
        self.customers = CopyWriter(cursor, Customer._meta.db_table, CUSTOMER_COLUMNS, sender=self.sender)
        self.leads = CopyWriter(cursor, Lead._meta.db_table, LEAD_COLUMNS, sender=self.sender)
        self.events = CopyWriter(cursor, LeadEvent._meta.db_table, EVENT_COLUMNS, sender=self.sender)
        # The search rows may go through a sender of another connection (seed_bulk loads them beside the rest).
        self.search = CopyWriter(cursor, LeadSearch._meta.db_table, SEARCH_COLUMNS, sender=search_sender or self.sender)
        self.response = timedelta(days=settings.LEADHUB_RESPONSE_DAYS)
        self.hot_hours = timedelta(hours=settings.LEADHUB_HOT_HOURS)

    def _customer(self, received_at: datetime) -> tuple[int, tuple[str, str, str]]:
        """A new customer row: its id, and its company, contact name and e-mail (searched)."""
        rng = self.rng
        customer_id = self.customer_id
        self.customer_id += 1
        first, last, word = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), rng.choice(COMPANY_WORDS)
        country, city = rng.choice(PLACES)
        searched = (
            f"{word} {rng.choice(COMPANY_SUFFIXES)} {customer_id}",
            f"{first} {last}",
            f"{EMAIL_NAME[first]}.{EMAIL_NAME[last]}@{EMAIL_NAME[word]}{customer_id}.example",
        )
        self.customers.add(
            str(customer_id),
            *searched,
            f"+420 7{customer_id % 100000000:08d}",
            rng.choice(SIZES),
            country,
            city,
            ts(received_at),
        )
        return customer_id, searched

    def add(
        self,
        *,
        partner_id: int,
        received_at: datetime,
        status: str | None = None,
        referrers: list[int],
        partner_users: list[int],
    ) -> str:
        """One lead of `partner_id`; its status follows its age unless given. Returns its id."""
        rng = self.rng
        lead_id = _uuid(rng)
        lead_type = rng.choice(LEAD_TYPES)
        age = self.now - received_at
        if status is None:
            status = rng.choice(FRESH_STATUSES if age < self.response else OLD_STATUSES)
        contact_requested = rng.random() < (0.25 if lead_type == "customer_inquiry" else 0.05)
        referrer = NULL if lead_type == "customer_inquiry" else str(rng.choice(referrers))
        actor = str(rng.choice(partner_users)) if partner_users else NULL
        decided_at = received_at + timedelta(minutes=rng.randint(10, 13 * 24 * 60))
        decided_at = min(decided_at, self.now)
        deal_name, value, currency, close, crm = "", NULL, "USD", NULL, ""
        reason = ""
        events = [(received_at, referrer, "create", "", "received", f'{{"lead_type": "{lead_type}"}}')]
        if status in ("accepted", "won", "lost"):
            deal_name = rng.choice(DEAL_NAMES)
            value = f"{rng.randint(1, 500) * 500}.00"
            currency = rng.choice(CURRENCIES)
            close = (decided_at + timedelta(days=rng.randint(14, 180))).date().isoformat()
            crm = f"CRM-{rng.randint(10000, 99999)}"
            events.append(
                (
                    decided_at,
                    actor,
                    "accept",
                    "received",
                    "accepted",
                    f'{{"deal_name": "{deal_name}", "deal_value": "{value}", "currency": "{currency}"}}',
                )
            )
            if status in ("won", "lost"):
                closed_at = min(decided_at + timedelta(days=rng.randint(1, 90)), self.now)
                if status == "lost":
                    reason = rng.choice(LOST_REASONS)
                    events.append((closed_at, actor, "lose", "accepted", "lost", f'{{"reason": "{reason}"}}'))
                else:
                    events.append((closed_at, actor, "win", "accepted", "won", "{}"))
        elif status == "declined":
            reason = rng.choice(DECLINE_REASONS)
            events.append((decided_at, actor, "decline", "received", "declined", f'{{"reason": "{reason}"}}'))
        elif status == "expired":
            events.append((received_at + self.response, NULL, "expire", "received", "expired", "{}"))
        updated_at = events[-1][0]
        customer_id, customer_searched = self._customer(received_at)
        need = rng.choice(NEEDS).format(n=rng.randint(2, 400))
        self.leads.add(
            lead_id,
            str(partner_id),
            lead_type,
            str(customer_id),
            need,
            referrer,
            NULL,
            "seller@vendor.example" if referrer != NULL else "",
            ts(received_at),
            ts(received_at + self.response),
            "t" if contact_requested else "f",
            "t" if contact_requested and age < self.hot_hours else "f",
            status,
            ts(decided_at) if status not in ("received", "expired") else NULL,
            deal_name,
            value,
            currency,
            close,
            "",
            crm,
            "",
            reason,
            "",
            str(len(events)),
            ts(received_at),
            ts(updated_at),
        )
        for at, event_actor, action, from_status, to_status, changes in events:
            self.events.add(lead_id, ts(at), event_actor, action, from_status, to_status, changes)
        self.search.add(lead_id, _copy_text(search_text(*customer_searched, need, deal_name, crm)))
        return lead_id

    def close(self) -> None:
        """Send what is buffered and wait until PostgreSQL has every row (close writers sharing the sender first)."""
        for writer in (self.customers, self.leads, self.events, self.search):
            writer.close()
        self.sender.close()
