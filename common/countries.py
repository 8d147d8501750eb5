"""The one country picker: names in the user's language, the ISO 3166-1 alpha-2 code as the value (and shown
beside the name), from django-countries. Every form where a country is entered or filtered uses it, so a typed
"Germany" can no longer be cut to "Ge" (Georgia)."""

import functools
from contextlib import contextmanager

from django import forms
from django.utils.translation import get_language, trans_real
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from common.selects import WrittenSelect, options_html


@contextmanager
def _fallback_restored():
    """django-countries puts a translator of its own at the head of the active language's fallback chain the first
    time it translates a renamed country, and leaves it there: from then on every string without a translation in
    that language (each English string of every page) passed through it, about half a millisecond per English
    page. Names are looked up once per language and process (below), so the chain gets its old head back after."""
    catalog = trans_real.catalog()
    fallback = getattr(catalog, "_fallback", None)
    try:
        yield
    finally:
        catalog._fallback = fallback


def country_choices(blank_label) -> list[tuple[str, str]]:
    """Sorted by the name in the active language (django-countries sorts per language)."""
    return [("", str(blank_label)), *_named_countries(get_language())]


@functools.lru_cache(maxsize=16)
def _named_countries(language: str | None) -> tuple[tuple[str, str], ...]:
    # Translating and sorting 250 names took longer than the rest of a partner page: once per language.
    with _fallback_restored():
        return tuple((code, f"{name} ({code})") for code, name in countries)


def country_name(code: str) -> str:
    """The country's name in the active language, or the code itself when it is not a known one."""
    return _country_name(get_language(), code) if code else ""


@functools.lru_cache(maxsize=2048)
def _country_name(language: str | None, code: str) -> str:
    # Every list row names its customer's country: django-countries translates a whole batch of names per lookup.
    with _fallback_restored():
        return countries.name(code) or code


def is_country(code: str) -> bool:
    return bool(code) and bool(countries.alpha2(code)) and countries.alpha2(code) == code


class CountrySelect(WrittenSelect):
    """The country <select> with its 250 options written here: rendered through the widget templates, one
    template per option, it was the costliest part of every page that shows it (the partner page's contact form,
    the directory's filter, the profile)."""

    def options_html(self) -> str:
        return _options_html(tuple((str(code), str(label)) for code, label in self.choices))


@functools.lru_cache(maxsize=32)
def _options_html(choices: tuple[tuple[str, str], ...]) -> str:
    """The options of one list of choices (one per language and blank label), none selected."""
    return options_html(choices)


class CountryChoiceField(forms.ChoiceField):
    """A <select> of countries; `blank_label` is the empty first option ("Any country", "Choose a country…")."""

    def __init__(self, *, blank_label=None, **kwargs):
        blank_label = blank_label or _("Choose a country…")
        kwargs.setdefault("widget", CountrySelect(attrs={"autocomplete": "country"}))
        super().__init__(choices=lambda: country_choices(blank_label), **kwargs)

    def to_python(self, value):
        return super().to_python(value).strip().upper()


class CountryAdminMixin:
    """Admin classes whose model has a two-letter `country` column: pick it from the list as everywhere else."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "country":
            return CountryChoiceField(
                label=db_field.verbose_name.capitalize(), required=not db_field.blank, help_text=db_field.help_text
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)
