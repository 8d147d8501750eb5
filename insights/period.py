"""The period insights cover: `from` and `to` as calendar days (by `received_at`), checked once for page and API."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

DEFAULT_DAYS = 90
PRESET_DAYS = (30, 90, 365)
MAX_YEARS = 5
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included, in the site's time zone (the one months are counted in)."""

    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min), timezone.get_default_timezone())

    @property
    def end_at(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        return timezone.make_aware(
            datetime.combine(self.end + timedelta(days=1), time.min), timezone.get_default_timezone()
        )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def months(self) -> list[date]:
        """The first day of every calendar month the period touches, oldest first."""
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months

    def query(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def last_days(days: int, *, today: date | None = None) -> Period:
    """The last `days` days, today included."""
    today = today or timezone.localdate()
    return Period(start=today - timedelta(days=days - 1), end=today)


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def _parse_day(value, field: str, errors: dict) -> date | None:
    if value in (None, ""):
        return None
    try:
        if not ISO_DAY.fullmatch(str(value)):
            raise ValueError(value)
        return date.fromisoformat(str(value))
    except ValueError:
        errors[field] = [_("Enter a date as YYYY-MM-DD.")]
        return None


def period_parse(data: Mapping, *, today: date | None = None) -> Period:
    """The period `data` asks for (`from`, `to`; or `days`; else the last 90 days).

    ValidationError names the field: a malformed date, `from` after `to`, a period longer than five years, or
    `days` not one of the presets.
    """
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    start = _parse_day(data.get("from"), "from", errors)
    end = _parse_day(data.get("to"), "to", errors)
    days = data.get("days")
    if errors:
        raise ValidationError(errors)
    if start is None and end is None:
        if days in (None, ""):
            return last_days(DEFAULT_DAYS, today=today)
        if str(days) not in {str(preset) for preset in PRESET_DAYS}:
            raise ValidationError({"days": [_("Choose 30, 90 or 365 days.")]})
        return last_days(int(days), today=today)
    if end is None:
        end = max(start, today)
    if start is None:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ValidationError({"from": [_("The start must not be after the end (to).")]})
    if end >= _years_later(start, MAX_YEARS):
        raise ValidationError({"to": [_("A period may be at most five years long.")]})
    return Period(start=start, end=end)
