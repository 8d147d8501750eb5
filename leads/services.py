"""Every write to a lead: check who may, validate, run the transition, save in a transaction, record history."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from operator import attrgetter
from statistics import median

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Aggregate, F, FloatField
from django.db.models.functions import Extract
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm

from leads import validators as v
from leads.events import Happened, publish
from leads.exceptions import LeadChanged, LeadConflict
from leads.models import (
    ARCHIVED_STATUSES,
    SEARCHED_FIELDS,
    Customer,
    DeclineReason,
    EventAction,
    Favorite,
    Lead,
    LeadEvent,
    LeadSearch,
    LeadType,
    LostReason,
    Status,
    TeamMember,
    search_text,
)
from leads.selectors import lead_get_for
from profiles.models import BusinessProfile, CompanySize, Organisation
from profiles.validators import clean_country, collect, collect_each

DEAL_FIELDS = ("deal_name", "deal_value", "currency", "estimated_close_date", "notes", "crm_id", "campaign_id")


def _deal_cleaners(data: Mapping, *, accepting: bool) -> dict:
    """Cleaners for the deal fields present in `data`; on accept the three core fields are required."""
    def required(field, clean):
        def run():
            value = data.get(field)
            if value in (None, ""):
                raise ValidationError("This field is required.", code="required")
            return clean(value)
        return run

    cleaners = {
        "deal_name": lambda: v.clean_text(data.get("deal_name"), max_length=200, required=True),
        "deal_value": required("deal_value", v.clean_deal_value),
        "currency": lambda: v.clean_currency(data.get("currency") or "USD"),
        "estimated_close_date": required(
            "estimated_close_date", lambda value: v.clean_close_date(value, allow_past=not accepting)
        ),
        "notes": lambda: v.clean_text(data.get("notes"), max_length=10000),
        "crm_id": lambda: v.clean_text(data.get("crm_id"), max_length=100),
        "campaign_id": lambda: v.clean_text(data.get("campaign_id"), max_length=100),
    }
    if accepting:
        return cleaners
    return {field: clean for field, clean in cleaners.items() if field in data}


def _clean_team_member(member: Mapping) -> dict:
    return collect({
        "name": lambda: v.clean_text(member.get("name"), max_length=200, required=True),
        "email": lambda: v.clean_email(member.get("email")),
        "phone": lambda: v.clean_text(member.get("phone"), max_length=40),
    })


def _clean_team(team: Iterable[Mapping]) -> list[dict]:
    return collect_each("team", team, _clean_team_member)


def _conflict(lead: Lead, action: str) -> LeadConflict:
    if lead.status == Status.RECEIVED:
        message = f"This lead has not been accepted yet, so it cannot be {action}."
    elif lead.status in ARCHIVED_STATUSES:
        message = f"This lead was already {lead.get_status_display().lower()}; it is archived and can no longer change."
    else:
        message = f"This lead was already {lead.get_status_display().lower()}."
    return LeadConflict(message, status=lead.status)


def _lock(lead: Lead | str, by, if_version: int | None) -> Lead:
    """The current row, locked until the transaction ends, through the same tenant gate as every read."""
    locked = lead_get_for(by, lead.pk if isinstance(lead, Lead) else lead, for_update=True)
    if if_version is not None and locked.version != if_version:
        raise LeadChanged()
    return locked


def _run_transition(lead: Lead, by, name: str, past_tense: str, **kwargs) -> str:
    method = getattr(lead, name)
    if not can_proceed(method):
        raise _conflict(lead, past_tense)
    if not has_transition_perm(method, by):
        raise PermissionDenied("Your role may not do this.")
    from_status = lead.status
    method(**kwargs)
    return from_status


def _save(lead: Lead, fields: Iterable[str]) -> None:
    fields = [*fields]
    lead.version += 1
    lead.save(update_fields=[*fields, "version", "updated_at"])
    if SEARCHED_LEAD_FIELDS.intersection(fields):
        leads_search_index([lead])


# The searched fields that are the lead's own (the others are its customer's).
SEARCHED_LEAD_FIELDS = frozenset(field for field in SEARCHED_FIELDS if "__" not in field)
_searched_values = attrgetter(*(field.replace("__", ".") for field in SEARCHED_FIELDS))


def leads_search_index(leads: Iterable[Lead]) -> None:
    """Write what a search finds these leads by, from the fields in memory (customers loaded, or fetched one by
    one), in one statement. Whatever writes a searched field must call this or `leads_search_refresh`."""
    LeadSearch.objects.bulk_create(
        [LeadSearch(lead_id=lead.pk, text=search_text(*_searched_values(lead))) for lead in leads],
        update_conflicts=True, unique_fields=["lead"], update_fields=["text"],
    )


def leads_search_refresh(lead_ids: Iterable) -> int:
    """Rewrite the search rows of these leads from their current fields, e.g. after their customer changed."""
    leads = list(Lead.objects.filter(pk__in=list(lead_ids)).select_related("customer"))
    if leads:
        leads_search_index(leads)
    return len(leads)


def _record(lead: Lead, by, action: str, *, from_status: str = "", changes: dict | None = None) -> LeadEvent:
    """Write the history event and publish it (leads.events): the one place a write's side effects start."""
    event = LeadEvent.objects.create(
        lead=lead,
        actor=by if getattr(by, "is_authenticated", False) else None,
        action=action,
        from_status=from_status,
        to_status=lead.status,
        changes=changes or {},
    )
    publish([Happened(action, lead.pk, lead.partner_id, event.pk, from_status, lead.status)])
    return event


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _require_partner_side(lead: Lead, by) -> None:
    from leads.models import may_act_on

    if not may_act_on(lead, by):
        raise PermissionDenied("Your role may not do this.")


@transaction.atomic
def lead_accept(*, lead: Lead | str, by, if_version: int | None = None, team: Iterable[Mapping] = (), **deal) -> Lead:
    """received → accepted, with the deal (name, value, close date required) and any extra team members."""
    lead = _lock(lead, by, if_version)
    if not can_proceed(lead.accept):
        raise _conflict(lead, "accepted")
    _require_partner_side(lead, by)
    unknown = set(deal) - set(DEAL_FIELDS)
    if unknown:
        raise ValidationError({field: ["Unknown field."] for field in sorted(unknown)})
    errors = {}
    try:
        cleaned = collect(_deal_cleaners(deal, accepting=True))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        members = _clean_team(team)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    from_status = _run_transition(lead, by, "accept", "accepted")
    for field, value in cleaned.items():
        setattr(lead, field, value)
    _save(lead, ["status", "decided_at", *cleaned])
    TeamMember.objects.bulk_create(TeamMember(lead=lead, **member) for member in members)
    changes = {field: _jsonable(value) for field, value in cleaned.items() if value not in ("", None)}
    if members:
        changes["team"] = [member["name"] for member in members]
    _record(lead, by, EventAction.ACCEPT, from_status=from_status, changes=changes)
    return lead


@transaction.atomic
def lead_decline(*, lead: Lead | str, by, reason: str, reason_notes: str = "", if_version: int | None = None) -> Lead:
    """received → declined with a reason; the customer is told to choose another partner."""
    lead = _lock(lead, by, if_version)
    if not can_proceed(lead.decline):
        raise _conflict(lead, "declined")
    _require_partner_side(lead, by)
    cleaned = collect({
        "reason": lambda: v.clean_choice(reason, DeclineReason, label="reason"),
        "reason_notes": lambda: v.clean_text(reason_notes, max_length=5000),
    })
    from_status = _run_transition(lead, by, "decline", "declined", **cleaned)
    _save(lead, ["status", "decided_at", "is_hot", "reason", "reason_notes"])
    _record(lead, by, EventAction.DECLINE, from_status=from_status, changes=cleaned)
    return lead


@transaction.atomic
def lead_win(*, lead: Lead | str, by, if_version: int | None = None) -> Lead:
    """accepted → won."""
    lead = _lock(lead, by, if_version)
    from_status = _run_transition(lead, by, "win", "won")
    _save(lead, ["status", "is_hot"])
    _record(lead, by, EventAction.WIN, from_status=from_status)
    return lead


@transaction.atomic
def lead_lose(*, lead: Lead | str, by, reason: str, reason_notes: str = "", if_version: int | None = None) -> Lead:
    """accepted → lost with a reason from the lost list."""
    lead = _lock(lead, by, if_version)
    if not can_proceed(lead.lose):
        raise _conflict(lead, "lost")
    _require_partner_side(lead, by)
    cleaned = collect({
        "reason": lambda: v.clean_choice(reason, LostReason, label="reason"),
        "reason_notes": lambda: v.clean_text(reason_notes, max_length=5000),
    })
    from_status = _run_transition(lead, by, "lose", "lost", **cleaned)
    _save(lead, ["status", "is_hot", "reason", "reason_notes"])
    _record(lead, by, EventAction.LOSE, from_status=from_status, changes=cleaned)
    return lead


def _require_accepted(lead: Lead, by, action: str) -> None:
    if lead.status != Status.ACCEPTED:
        raise _conflict(lead, action)
    _require_partner_side(lead, by)


@transaction.atomic
def lead_update_deal(*, lead: Lead | str, by, if_version: int | None = None, **deal) -> Lead:
    """Edit an accepted deal's fields; records which fields changed, from what to what."""
    lead = _lock(lead, by, if_version)
    _require_accepted(lead, by, "edited")
    unknown = set(deal) - set(DEAL_FIELDS)
    if unknown:
        raise ValidationError({field: ["This field cannot be edited."] for field in sorted(unknown)})
    cleaned = collect(_deal_cleaners(deal, accepting=False))
    changes = {}
    for field, value in cleaned.items():
        old = getattr(lead, field)
        if old != value:
            changes[field] = [_jsonable(old), _jsonable(value)]
            setattr(lead, field, value)
    if not changes:
        return lead
    _save(lead, changes)
    _record(lead, by, EventAction.EDIT, from_status=lead.status, changes=changes)
    return lead


@transaction.atomic
def lead_add_team_member(*, lead: Lead | str, by, name: str, email: str, phone: str = "",
                         if_version: int | None = None) -> TeamMember:
    """Add a person to an accepted deal's team."""
    lead = _lock(lead, by, if_version)
    _require_accepted(lead, by, "given new team members")
    member = TeamMember.objects.create(lead=lead, **_clean_team_member({"name": name, "email": email, "phone": phone}))
    _save(lead, [])
    _record(lead, by, EventAction.TEAM, from_status=lead.status,
            changes={"team_member": {"name": member.name, "email": member.email, "phone": member.phone}})
    return member


def lead_favorite_set(*, lead: Lead | str, by, favorite: bool) -> bool:
    """Mark or unmark the lead with the user's heart; idempotent, and allowed on archived leads too."""
    lead = lead_get_for(by, lead.pk if isinstance(lead, Lead) else lead)
    if not getattr(by, "is_authenticated", False):
        raise PermissionDenied("Log in first.")
    if favorite:
        Favorite.objects.get_or_create(user=by, lead=lead)
    else:
        Favorite.objects.filter(user=by, lead=lead).delete()
    return favorite


def _clean_customer(customer: Mapping) -> dict:
    customer = customer or {}
    return collect({
        "company": lambda: v.clean_text(customer.get("company"), max_length=200, required=True),
        "contact_name": lambda: v.clean_text(customer.get("contact_name"), max_length=200, required=True),
        "email": lambda: v.clean_email(customer.get("email")),
        "phone": lambda: v.clean_text(customer.get("phone"), max_length=40),
        "company_size": lambda: (
            v.clean_choice(customer["company_size"], CompanySize, label="company size")
            if customer.get("company_size") else ""
        ),
        "country": lambda: clean_country(customer.get("country")),
        "city": lambda: v.clean_text(customer.get("city"), max_length=120),
    })


@transaction.atomic
def lead_create(*, by, partner: Organisation | str, lead_type: str, customer: Mapping, need: str,
                contact_requested: bool = False, referred_by_email: str = "",
                received_at: datetime | None = None) -> Lead:
    """Vendor ops staff send a lead to a partner (an Organisation or its slug); `received_at` lets imports keep
    the original time."""
    if not (getattr(by, "is_authenticated", False) and by.is_active and by.is_staff):
        raise PermissionDenied("Only vendor staff may create leads.")
    now = timezone.now()
    cleaned = collect({
        "lead_type": lambda: v.clean_choice(lead_type, LeadType, label="lead type"),
        "need": lambda: v.clean_text(need, max_length=10000, required=True),
        "referred_by_email": lambda: v.clean_email(referred_by_email or by.email, required=False),
        "received_at": lambda: _clean_received_at(received_at, now),
        "partner": lambda: _clean_partner(partner),
    })
    customer_data = _prefixed_errors("customer", _clean_customer, customer)
    lead = Lead.objects.create(
        customer=Customer.objects.create(**customer_data),
        contact_requested=bool(contact_requested),
        referred_by=by,
        **cleaned,
    )
    leads_search_index([lead])
    _record(lead, by, EventAction.CREATE, changes={"lead_type": lead.lead_type})
    return lead


def _clean_partner(value) -> Organisation:
    if isinstance(value, Organisation):
        return value
    partner = Organisation.objects.filter(slug=str(value or "")).first()
    if partner is None:
        raise ValidationError("No partner organisation has this slug.", code="invalid")
    return partner


def _prefixed_errors(prefix: str, clean, data):
    try:
        return clean(data)
    except ValidationError as exc:
        raise ValidationError({f"{prefix}.{field}": messages for field, messages in exc.message_dict.items()})


def _clean_received_at(value, now: datetime) -> datetime:
    if value is None:
        return now
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError("Enter a date and time in ISO 8601, e.g. 2026-11-01T09:30:00Z.")
    if timezone.is_naive(value):
        raise ValidationError("Give the time zone, e.g. 2026-11-01T09:30:00Z.")
    if value > now + timedelta(minutes=5):
        raise ValidationError("A lead cannot be received in the future.")
    if value.year < 2000:
        raise ValidationError("That date is too far in the past.")
    return value


# The periodic jobs. Each batch is one UPDATE (with its history rows) in its own short transaction;
# rows a person holds locked are skipped and picked up next run, and a row that changed status meanwhile
# no longer matches `status = 'received'`, so a person's decision is never overwritten.

def leads_expire_overdue(*, now: datetime | None = None, batch_size: int | None = None,
                         workers: int | None = None) -> int:
    """received → expired for every lead received at least LEADHUB_RESPONSE_DAYS ago; returns how many.

    On PostgreSQL `workers` connections (LEADHUB_JOB_WORKERS) drain a backlog side by side: each batch locks
    its rows with SKIP LOCKED, so no two take the same lead, and a backlog clears in a fraction of the time.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.LEADHUB_RESPONSE_DAYS)
    batch_size = batch_size or settings.LEADHUB_JOB_BATCH_SIZE
    return _drain(lambda: _expire_overdue(cutoff=cutoff, now=now, batch_size=batch_size),
                  workers=workers or settings.LEADHUB_JOB_WORKERS)


def _drain(run: Callable[[], int], *, workers: int) -> int:
    """`run` on this thread and on `workers - 1` more, each with its own connection; the sum of what they did.

    Only on PostgreSQL outside a transaction: SQLite has one writer, and other connections could not see
    what a caller's open transaction holds.
    """
    if workers <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return run()
    totals, errors = [], []

    def helper() -> None:
        try:
            totals.append(run())
        except BaseException as error:  # re-raised on the calling thread below
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    helpers = [threading.Thread(target=helper, name=f"leadhub-job-{index}") for index in range(1, workers)]
    for thread in helpers:
        thread.start()
    try:
        total = run()
    finally:
        for thread in helpers:
            thread.join()
    if errors:
        raise errors[0]
    return total + sum(totals)


def _expire_overdue(*, cutoff: datetime, now: datetime, batch_size: int) -> int:
    total = 0
    while True:
        with transaction.atomic():
            expired = _expire_batch(cutoff=cutoff, now=now, batch_size=batch_size)
            publish(expired)
        total += len(expired)
        if len(expired) < batch_size:
            return total


def _expire_batch(*, cutoff: datetime, now: datetime, batch_size: int) -> list[Happened]:
    """Expire one batch and record its history events; what happened, for the subscribers."""
    lead_table, event_table = Lead._meta.db_table, LeadEvent._meta.db_table
    if connection.vendor == "postgresql":
        sql = f"""
            WITH due AS (
                SELECT ctid FROM {lead_table}
                WHERE status = 'received' AND received_at <= %(cutoff)s
                ORDER BY received_at
                LIMIT %(limit)s
                FOR UPDATE SKIP LOCKED
            ), expired AS (
                -- The rows are locked, so their physical address holds: a TID scan, with no index lookup
                -- per row and no join against every other received lead.
                UPDATE {lead_table} AS lead
                SET status = 'expired', is_hot = false, version = lead.version + 1, updated_at = %(now)s
                WHERE lead.ctid = ANY(ARRAY(SELECT ctid FROM due)) AND lead.status = 'received'
                RETURNING lead.id, lead.partner_id
            ), recorded AS (
                INSERT INTO {event_table} (lead_id, at, actor_id, action, from_status, to_status, changes)
                SELECT id, %(now)s, NULL, 'expire', 'received', 'expired', '{{}}'::jsonb FROM expired
                RETURNING id, lead_id
            )
            SELECT recorded.lead_id, expired.partner_id, recorded.id FROM recorded JOIN expired ON expired.id = recorded.lead_id
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, {"cutoff": cutoff, "limit": batch_size, "now": now})
            rows = cursor.fetchall()
    else:
        # SQLite (the zero-setup development database) serialises writers, so no row locks are needed.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {lead_table} SET status = 'expired', is_hot = false, version = version + 1, updated_at = %s
                WHERE id IN (
                    SELECT id FROM {lead_table} WHERE status = 'received' AND received_at <= %s
                    ORDER BY received_at LIMIT %s
                ) AND status = 'received'
                RETURNING id, partner_id
                """,
                [now, cutoff, batch_size],
            )
            expired = cursor.fetchall()
        events = LeadEvent.objects.bulk_create(
            LeadEvent(lead_id=Lead._meta.pk.to_python(lead_id), at=now, action=EventAction.EXPIRE,
                      from_status=Status.RECEIVED, to_status=Status.EXPIRED)
            for lead_id, _partner_id in expired
        )
        rows = [(event.lead_id, partner_id, event.pk) for event, (_lead_id, partner_id) in zip(events, expired)]
    return [Happened(EventAction.EXPIRE.value, lead_id, partner_id, event_id, Status.RECEIVED.value,
                     Status.EXPIRED.value) for lead_id, partner_id, event_id in rows]


def leads_cool_hot(*, now: datetime | None = None, batch_size: int | None = None) -> int:
    """Clear `is_hot` on open leads received at least LEADHUB_HOT_HOURS ago; returns how many.

    Archived leads are read-only (the database refuses any change), so the job leaves them alone.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.LEADHUB_HOT_HOURS)
    batch_size = batch_size or settings.LEADHUB_JOB_BATCH_SIZE
    lead_table = Lead._meta.db_table
    lock = "FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    total = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {lead_table} SET is_hot = false
                WHERE id IN (
                    SELECT id FROM {lead_table}
                    WHERE is_hot AND received_at <= %s AND status IN ('received', 'accepted')
                    ORDER BY received_at LIMIT %s {lock}
                ) AND is_hot AND status IN ('received', 'accepted')
                """,
                [cutoff, batch_size],
            )
            cooled = cursor.rowcount
        total += cooled
        if cooled < batch_size:
            return total


# Leads from the public directory's contact form, and the response-time figure the directory ranks by.

INQUIRY_DUPLICATE_DAYS = 30
OPEN_STATUSES = (Status.RECEIVED, Status.ACCEPTED)


@transaction.atomic
def lead_create_inquiry(*, partner: Organisation, customer: Mapping, need: str,
                        contact_requested: bool = False) -> tuple[Lead, bool]:
    """A customer's inquiry from the directory → a new `customer_inquiry` lead, or a note on their open one.

    The same customer e-mail writing to the same partner again within INQUIRY_DUPLICATE_DAYS while that lead
    is still open (received or accepted) is recorded as a note on it, not as a second lead. Returns the lead
    and whether it was created.
    """
    errors = {}
    try:
        customer_data = _prefixed_errors("customer", _clean_customer, customer)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        cleaned = collect({"need": lambda: v.clean_text(need, max_length=10000, required=True)})
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    # One inquiry per partner at a time, so two quick submissions cannot both miss the open lead and both create one.
    Organisation.objects.select_for_update().filter(pk=partner.pk).first()
    now = timezone.now()
    open_lead = (
        Lead.objects.select_for_update(of=("self",))
        .filter(partner=partner, lead_type=LeadType.CUSTOMER_INQUIRY, status__in=OPEN_STATUSES,
                customer__email__iexact=customer_data["email"],
                received_at__gte=now - timedelta(days=INQUIRY_DUPLICATE_DAYS))
        .order_by("-received_at")
        .first()
    )
    if open_lead is not None:
        _save(open_lead, [])
        _record(open_lead, None, EventAction.NOTE, from_status=open_lead.status, changes={
            "need": cleaned["need"],
            "contact_requested": bool(contact_requested),
            **{field: customer_data[field] for field in ("contact_name", "phone") if customer_data[field]},
        })
        return open_lead, False
    lead = Lead.objects.create(
        partner=partner,
        lead_type=LeadType.CUSTOMER_INQUIRY,
        customer=Customer.objects.create(**customer_data),
        contact_requested=bool(contact_requested),
        received_at=now,
        **cleaned,
    )
    leads_search_index([lead])
    _record(lead, None, EventAction.CREATE, changes={"lead_type": lead.lead_type})
    return lead, True


RESPONSE_TIME_WINDOW_DAYS = 90


def profile_refresh_response_time(*, organisation_id: int, now: datetime | None = None) -> float | None:
    """Recompute one partner's `median_response_hours`; the directory ranks quicker responders higher."""
    return profiles_refresh_response_times(organisation_ids=[organisation_id], now=now).get(organisation_id)


def profiles_refresh_response_times(*, organisation_ids: Iterable[int] | None = None,
                                    now: datetime | None = None) -> dict[int, float | None]:
    """Set each business profile's median hours from received to accepted/declined over the last 90 days.

    Run it periodically (the window moves with time) and after each decision; partners with no decided
    lead in the window get None, which the directory ranks after every partner with a figure.
    """
    now = now or timezone.now()
    decided = Lead.objects.filter(decided_at__isnull=False,
                                  decided_at__gte=now - timedelta(days=RESPONSE_TIME_WINDOW_DAYS))
    profiles = BusinessProfile.objects.all()
    if organisation_ids is not None:
        organisation_ids = list(organisation_ids)
        decided = decided.filter(partner_id__in=organisation_ids)
        profiles = profiles.filter(organisation_id__in=organisation_ids)
    medians = _median_response_hours(decided)
    result = {}
    for profile in profiles.only("pk", "organisation_id", "median_response_hours"):
        hours = medians.get(profile.organisation_id)
        result[profile.organisation_id] = hours
        if profile.median_response_hours != hours:
            BusinessProfile.objects.filter(pk=profile.pk).update(median_response_hours=hours)
    return result


class _Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _median_response_hours(decided) -> dict[int, float]:
    if connection.vendor == "postgresql":
        rows = (decided.values("partner_id")
                .annotate(seconds=_Median(Extract(F("decided_at") - F("received_at"), "epoch")))
                .values_list("partner_id", "seconds"))
        return {partner_id: seconds / 3600 for partner_id, seconds in rows}
    # SQLite (the zero-setup development database) has no percentile aggregate.
    durations: dict[int, list[float]] = {}
    for partner_id, received_at, decided_at in decided.values_list("partner_id", "received_at", "decided_at"):
        durations.setdefault(partner_id, []).append((decided_at - received_at).total_seconds() / 3600)
    return {partner_id: median(values) for partner_id, values in durations.items()}
