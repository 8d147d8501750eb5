"""Forms of the business-profile editor; the rules themselves live in profiles.services.profile_update."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from common.countries import CountryChoiceField
from profiles.models import CompanySize

LOCATION_FIELD = re.compile(r"^locations-(\d+)-(?:country|city|contact_name|contact_email|contact_phone)$")


def _split_terms(value: str) -> list[str]:
    return [term.strip() for term in re.split(r"[,\n]", value or "") if term.strip()]


class ProfileForm(forms.Form):
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=2000,
        help_text=_("Separate with commas, e.g. cloud, data, Microsoft 365."),
    )
    company_sizes = forms.MultipleChoiceField(
        label=_("Customer company sizes you serve (employees)"),
        required=False,
        choices=CompanySize.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    industries = forms.CharField(
        label=_("Industries"),
        required=False,
        max_length=2000,
        help_text=_("Separate with commas, e.g. Retail, Manufacturing."),
    )
    accepting_leads = forms.BooleanField(
        label=_("Accepting new qualified leads"),
        required=False,
        help_text=_("Untick to pause routing, e.g. over the holidays."),
    )
    # Text, not a number field: profile_update owns the rule and words its error.
    monthly_capacity = forms.CharField(
        label=_("Monthly capacity"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
        help_text=_("Most qualified leads a month; leave empty for no limit."),
    )
    excluded_keywords = forms.CharField(
        label=_("Excluded keywords"),
        required=False,
        max_length=4000,
        help_text=_("Needs that mention any of these never reach you. Separate with commas, e.g. SAP, hardware."),
    )

    @classmethod
    def for_profile(cls, profile) -> "ProfileForm":
        return cls(
            initial={
                "description": profile.description,
                "keywords": ", ".join(profile.keywords or []),
                "company_sizes": profile.company_sizes or [],
                "industries": ", ".join(profile.industries or []),
                "accepting_leads": profile.accepting_leads,
                "monthly_capacity": "" if profile.monthly_capacity is None else str(profile.monthly_capacity),
                "excluded_keywords": ", ".join(profile.excluded_keywords or []),
            }
        )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "description": data["description"],
            "keywords": _split_terms(data["keywords"]),
            "company_sizes": data["company_sizes"],
            "industries": _split_terms(data["industries"]),
            "accepting_leads": data["accepting_leads"],
            "monthly_capacity": data["monthly_capacity"],
            "excluded_keywords": _split_terms(data["excluded_keywords"]),
        }


class LocationForm(forms.Form):
    country = CountryChoiceField(label=_("Country"))
    city = forms.CharField(label=_("City"), max_length=120)
    contact_name = forms.CharField(label=_("Alert contact"), max_length=200)
    contact_email = forms.EmailField(label=_("Contact e-mail"))
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=40)


def location_form(data, index) -> LocationForm:
    return LocationForm(data, prefix=f"locations-{index}", empty_permitted=True, use_required_attribute=False)


def location_forms_from(data) -> list[LocationForm]:
    """The submitted locations, named locations-<i>-<field>; entirely blank rows are left out later."""
    indices = sorted({int(match.group(1)) for key in data if (match := LOCATION_FIELD.match(key))})
    return [location_form(data, index) for index in indices]


def location_forms_for(profile) -> list[LocationForm]:
    forms_ = []
    for index, location in enumerate(profile.locations.all() if profile.pk else ()):
        form = LocationForm(
            prefix=f"locations-{index}",
            initial={
                "country": location.country,
                "city": location.city,
                "contact_name": location.contact_name,
                "contact_email": location.contact_email,
                "contact_phone": location.contact_phone,
            },
            use_required_attribute=False,
        )
        form.location_id = location.pk  # its one-click remove button (profiles.views.location_remove)
        forms_.append(form)
    return [*forms_, location_form(None, len(forms_))]
