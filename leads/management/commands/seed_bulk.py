"""Fill PostgreSQL with a large, realistic data set (leads, customers, histories, favourites) through COPY."""

import random
import time
from bisect import bisect_right
from contextlib import contextmanager, nullcontext
from datetime import datetime, timedelta
from itertools import accumulate

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from leads.management.bulk_vocabulary import FAVORITE_RATE
from leads.management.bulk_writers import (
    DAYS_OF_HISTORY,
    FAVORITE_COLUMNS,
    LARGEST_SHARE,
    CopySender,
    CopyWriter,
    LeadWriter,
    sync_identity,
    ts,
)
from leads.models import Customer, Favorite, Lead, LeadEvent, LeadSearch
from profiles.models import BusinessProfile, Location, Membership, Organisation, Role
from routing.fake import fake_profile


def _partner_sizes(leads: int, partners: int) -> list[int]:
    """One partner holds LARGEST_SHARE of all leads; the rest follow a long tail (a few big, many small)."""
    if partners == 1:
        return [leads]
    largest = round(leads * LARGEST_SHARE)
    weights = [1 / (rank + 2) ** 0.8 for rank in range(partners - 1)]
    total = sum(weights)
    sizes = [int((leads - largest) * weight / total) for weight in weights]
    sizes[0] += leads - largest - sum(sizes)
    return [largest, *sizes]


def create_partner(
    slug: str, name: str, *, users: int, password_hash: str, rng: random.Random | None = None
) -> tuple[Organisation, list[int]]:
    """An organisation with its profile, a partner admin `<slug>-admin` and referrals admins; returns user ids.

    The profile's keywords, company sizes and offices are drawn like routing's (routing.fake), so that routing
    has real choices to make among the seeded partners; every partner accepts leads without a monthly limit."""
    organisation = Organisation.objects.create(slug=slug, name=name)
    fake = fake_profile(rng or random.Random(slug), 0, slug_prefix=slug)
    profile = BusinessProfile.objects.create(
        organisation=organisation,
        description=f"{name}: {fake.specialty}.",
        keywords=fake.keywords,
        company_sizes=fake.company_sizes,
        industries=["Retail"],
    )
    Location.objects.bulk_create(
        Location(
            profile=profile, country=country, city=city, contact_name="Alerts", contact_email=f"alerts@{slug}.example"
        )
        for country, city in fake.locations
    )
    User = get_user_model()
    people = [User(username=f"{slug}-admin", email=f"admin@{slug}.example", password=password_hash)]
    people += [
        User(username=f"{slug}-referrals-{n}", email=f"referrals{n}@{slug}.example", password=password_hash)
        for n in range(1, users)
    ]
    people = User.objects.bulk_create(people)
    Membership.objects.bulk_create(
        Membership(
            user=user, organisation=organisation, role=Role.PARTNER_ADMIN if index == 0 else Role.REFERRALS_ADMIN
        )
        for index, user in enumerate(people)
    )
    return organisation, [user.pk for user in people]


def vendor_referrers(password_hash: str) -> list[int]:
    """The vendor staff who send qualified leads (created once, reused)."""
    User = get_user_model()
    staff = [
        User.objects.get_or_create(
            username=f"bulk-seller-{n}",
            defaults={"email": f"seller{n}@vendor.example", "is_staff": True, "password": password_hash},
        )[0]
        for n in range(5)
    ]
    return [user.pk for user in staff]


@contextmanager
def bulk_load_session(cursor):
    """While loading, skip per-row FK checks and triggers (the generator keeps the data consistent) and don't wait
    for each commit's WAL flush; both are back to normal for the rest of the transaction."""
    cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute("SET LOCAL synchronous_commit = off")
    yield  # after a failure the transaction rolls back, these settings with it (and the failure is not masked)
    cursor.execute("SET LOCAL session_replication_role = origin")


def secondary_indexes(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of the indexes of `tables` that back no constraint (primary keys, unique ones stay)."""
    cursor.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)
        """,
        [tables],
    )
    return cursor.fetchall()


@contextmanager
def indexes_built_after(cursor, tables: list[str]):
    """Into empty tables, load first and build their secondary indexes after: one sort per index instead of a
    random insert per row. All in the caller's transaction."""
    indexes = secondary_indexes(cursor, tables)
    for name, _definition in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for _name, definition in indexes:
        cursor.execute(definition)


class LoadBeside:
    """One table loaded on a second connection, in a transaction of its own, beside the main load: the search rows,
    whose trigram index takes as long to build as every other index together and on one core, so it is built while
    the main connection builds the others (on two cores the load's last phase took the sum of both).

    Use it around the main transaction: `rows_done()` once the rows are sent (its index build starts), `wait()`
    before the main transaction commits (re-raises a failure, so the main load rolls back too); it commits when the
    `with` block ends after the main transaction committed, and rolls back if the block failed.
    """

    def __init__(self, table: str, *, rebuild_indexes: bool):
        self.table, self.rebuild_indexes = table, rebuild_indexes
        self.indexes: list[tuple[str, str]] = []
        # Inside a caller's transaction (a test's) every row must stay in it: then the table loads with the rest.
        self.beside = not connection.in_atomic_block
        self.sender: CopySender | None = None

    def __enter__(self) -> "LoadBeside":
        if not self.beside:
            return self
        self.connection = connection.get_new_connection(connection.get_connection_params())
        self.connection.autocommit = False
        cursor = self.connection.cursor()
        if self.rebuild_indexes:
            self.indexes = secondary_indexes(cursor, [self.table])
        self.sender = CopySender(cursor)
        # What it refers to (the leads) is not committed yet, so no foreign key can be checked here.
        self.sender.execute("SET LOCAL session_replication_role = replica")
        self.sender.execute("SET LOCAL synchronous_commit = off")
        for name, _definition in self.indexes:
            self.sender.execute(f'DROP INDEX "{name}"')
        return self

    def rows_done(self) -> None:
        if not self.beside:
            return
        self.sender.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in self.indexes:
            self.sender.execute(definition)

    def wait(self) -> None:
        if self.beside:
            self.sender.close()

    def __exit__(self, kind, error, traceback) -> None:
        if not self.beside:
            return
        try:
            if kind is None:
                self.connection.commit()
            else:
                self.sender.abandon(cancel=self.connection.cancel)  # a COPY or an index build under way stops now
                self.connection.rollback()
        finally:
            self.connection.close()


def seed_overdue_backlog(*, count: int, slug: str, now: datetime, seed: int = 7) -> Organisation:
    """`count` leads of a new partner `slug`, all still received and past their answer deadline at `now`."""
    rng = random.Random(seed)
    password_hash = make_password(None)
    with transaction.atomic():
        organisation, users = create_partner(slug, f"Backlog {slug}", users=2, password_hash=password_hash)
        referrers = vendor_referrers(password_hash)
        with connection.cursor() as cursor, bulk_load_session(cursor):
            writer = LeadWriter(cursor, rng, now)
            oldest = now - timedelta(days=settings.LEADHUB_RESPONSE_DAYS + 60)
            for index in range(count):
                received_at = oldest + timedelta(seconds=index * 50 * 24 * 3600 / max(count, 1))
                writer.add(
                    partner_id=organisation.pk,
                    received_at=received_at,
                    status="received",
                    referrers=referrers,
                    partner_users=users,
                )
            writer.close()
            sync_identity(cursor, Customer._meta.db_table)
    return organisation


class Command(BaseCommand):
    help = (
        "Fill PostgreSQL with N leads for P partners (one holds 20%), with customers, histories, users and "
        "favourites, through COPY. For benchmarks and load tests; never run against production data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--leads", type=int, default=100_000)
        parser.add_argument("--partners", type=int, default=50)
        parser.add_argument("--prefix", default="bulk", help="Slug prefix of the organisations created.")
        parser.add_argument("--seed", type=int, default=42, help="Random seed: the same seed gives the same data.")
        parser.add_argument(
            "--password", default=None, help="Password of every user created (default: LEADHUB_DEMO_PASSWORD)."
        )

    def handle(self, *args, leads: int, partners: int, prefix: str, seed: int, password: str | None, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_bulk loads with PostgreSQL's COPY; point DATABASE_URL at PostgreSQL.")
        if leads < 1 or partners < 1 or partners > leads:
            raise CommandError("Give --leads ≥ 1 and 1 ≤ --partners ≤ --leads.")
        if Organisation.objects.filter(slug__startswith=f"{prefix}-").exists():
            raise CommandError(f"Organisations '{prefix}-…' already exist: use another --prefix or a fresh database.")
        started = time.monotonic()
        rng = random.Random(seed)
        now = timezone.now()
        password_hash = make_password(password or settings.LEADHUB_DEMO_PASSWORD)
        sizes = _partner_sizes(leads, partners)
        profiles = random.Random(f"profiles:{seed}")  # apart from `rng`, so that the leads drawn stay the same
        empty = not Lead.objects.exists()
        with LoadBeside(LeadSearch._meta.db_table, rebuild_indexes=empty) as search, transaction.atomic():
            referrers = vendor_referrers(password_hash)
            partner_ids, users_of = [], {}
            for rank, size in enumerate(sizes):
                organisation, users = create_partner(
                    f"{prefix}-{rank:03d}",
                    f"Partner {rank:03d} Consulting",
                    users=min(10, 2 + size // 20_000),
                    password_hash=password_hash,
                    rng=profiles,
                )
                partner_ids.append(organisation.pk)
                users_of[organisation.pk] = users
            cumulative = list(accumulate(sizes))
            loaded = [Lead._meta.db_table, LeadEvent._meta.db_table] + (
                [] if search.beside else [LeadSearch._meta.db_table]
            )
            with (
                connection.cursor() as cursor,
                bulk_load_session(cursor),
                indexes_built_after(cursor, loaded) if empty else nullcontext(),
            ):
                writer = LeadWriter(cursor, rng, now, search_sender=search.sender)
                favorites = CopyWriter(cursor, Favorite._meta.db_table, FAVORITE_COLUMNS, sender=writer.sender)
                start = now - timedelta(days=DAYS_OF_HISTORY)
                step = DAYS_OF_HISTORY * 24 * 3600 / leads
                for index in range(leads):
                    # Leads arrive over time for every partner at once, so the table is ordered by time, not partner.
                    received_at = start + timedelta(seconds=(index + rng.random()) * step)
                    partner_id = partner_ids[bisect_right(cumulative, rng.randrange(leads))]
                    users = users_of[partner_id]
                    lead_id = writer.add(
                        partner_id=partner_id, received_at=received_at, referrers=referrers, partner_users=users
                    )
                    if rng.random() < FAVORITE_RATE:
                        favorites.add(str(rng.choice(users)), lead_id, ts(received_at + timedelta(hours=1)))
                favorites.close()
                writer.close()
                search.rows_done()  # its trigram index builds while this connection builds the others below
                sync_identity(cursor, Customer._meta.db_table)
                self.stdout.write(
                    f"Copied {writer.leads.rows} leads, {writer.customers.rows} customers, "
                    f"{writer.events.rows} history events, {favorites.rows} favourites; indexing and committing…"
                )
            search.wait()  # the search rows and their index, before the rest commits
        with connection.cursor() as cursor:
            cursor.execute(
                f"ANALYZE {Lead._meta.db_table}, {LeadEvent._meta.db_table}, "
                f"{Customer._meta.db_table}, {Favorite._meta.db_table}, {LeadSearch._meta.db_table}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {leads} leads for {partners} partners (largest '{prefix}-000': {sizes[0]}) "
                f"in {time.monotonic() - started:.1f} s. Users '<slug>-admin' log in with the demo password."
            )
        )
