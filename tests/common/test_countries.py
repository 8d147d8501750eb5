"""Country names come from django-countries once per language, without leaving its translator in every other
string's way."""

from django.utils import translation
from django.utils.translation import gettext, trans_real
from django_countries import EmptyFallbackTranslator

from common.countries import country_choices, country_name


def test_names_are_translated_and_other_strings_skip_django_countries_translator():
    for language, north_macedonia in (("en", "North Macedonia"), ("cs", "Severní Makedonie")):
        with translation.override(language):
            assert country_name("MK") == north_macedonia  # a renamed country: django-countries' fallback path
            assert ("MK", f"{north_macedonia} (MK)") in country_choices("-")
            assert not isinstance(trans_real.catalog()._fallback, EmptyFallbackTranslator)
            assert gettext("A string nobody translated") == "A string nobody translated"
