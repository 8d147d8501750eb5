"""Forms for the lead actions; their fields carry the API's names and their rules come from leads.validators.

Each action form hands its service the keyword arguments (`service_kwargs`) and shows the service's own
ValidationError beside its fields (`add_service_errors`), so one view runs every action (leads.web.detail).
"""
import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from leads import validators as v
from leads.currencies import CURRENCIES
from leads.models import DeclineReason, Lead, LeadType, LostReason
from profiles.models import CompanySize

CURRENCY_CHOICES = [(code, code) for code in sorted(CURRENCIES)]


class CurrencySelect(forms.Select):
    """A select of ~160 currencies rendered in Python: the template per option made the lead page 3x slower."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        options = format_html_join(
            "", '<option value="{}"{}>{}</option>',
            ((code, mark_safe(" selected") if code == value else "", label) for code, label in self.choices),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(attrs), options)


class ActionForm(forms.Form):
    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)

    def add_service_errors(self, error: ValidationError) -> None:
        apply_service_errors(self, error)


class DealForm(ActionForm):
    deal_name = forms.CharField(label=_("Deal name"), max_length=200)
    deal_value = forms.DecimalField(label=_("Estimated value"), min_value=0, max_digits=14, decimal_places=2,
                                    max_value=v.MAX_DEAL_VALUE)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, initial="USD",
                                 widget=CurrencySelect)
    estimated_close_date = forms.DateField(label=_("Estimated close date"),
                                           widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))
    crm_id = forms.CharField(label=_("CRM id"), required=False, max_length=100)
    campaign_id = forms.CharField(label=_("Campaign id"), required=False, max_length=100)

    def clean_deal_value(self):
        return v.clean_deal_value(self.cleaned_data["deal_value"])


class AcceptForm(DealForm):
    """received → accepted, with any number of extra team members named team-<i>-name / -email / -phone."""

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        indices = sorted({int(match.group(1)) for key in (data or {}) if (match := TEAM_FIELD.match(key))})
        self.team_forms = [team_member_form(data, index) for index in indices]

    @property
    def team_rows(self) -> list:
        """The team rows to show: those submitted, or one empty row."""
        return self.team_forms or [team_member_form(None, 0)]

    @property
    def team_template(self):
        return team_member_form(None, "__i__")

    def is_valid(self) -> bool:
        return all([super().is_valid(), *[member.is_valid() for member in self.team_forms]])

    def clean_estimated_close_date(self):
        return v.clean_close_date(self.cleaned_data["estimated_close_date"], allow_past=False)

    def _filled_team(self) -> list:
        return [member for member in self.team_forms if member.has_changed()]

    def service_kwargs(self) -> dict:
        return {**self.cleaned_data, "team": [member.cleaned_data for member in self._filled_team()]}

    def add_service_errors(self, error: ValidationError) -> None:
        """Team errors are keyed team.<position>.<field>, counting the filled-in rows only."""
        filled = self._filled_team()
        rest = {}
        for key, messages in error.message_dict.items():
            if key.startswith("team."):
                _, position, field = key.split(".", 2)
                for message in messages:
                    filled[int(position)].add_error(field if field in TeamMemberForm.base_fields else None, message)
            else:
                rest[key] = messages
        if rest:
            apply_service_errors(self, ValidationError(rest))


class DeclineForm(ActionForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=DeclineReason.choices)
    reason_notes = forms.CharField(label=_("Notes"), required=False, max_length=5000,
                                   widget=forms.Textarea(attrs={"rows": 3}))


class LoseForm(ActionForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=LostReason.choices)
    reason_notes = forms.CharField(label=_("Notes"), required=False, max_length=5000,
                                   widget=forms.Textarea(attrs={"rows": 3}))


class TeamMemberForm(ActionForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)


TEAM_FIELD = re.compile(r"^team-(\d+)-(?:name|email|phone)$")


def team_member_form(data, index) -> TeamMemberForm:
    return TeamMemberForm(data, prefix=f"team-{index}", empty_permitted=True, use_required_attribute=False)


class QualifiedLeadForm(forms.ModelForm):
    """What vendor ops staff fill in (in the admin) to send a qualified lead to a partner."""

    lead_type = forms.ChoiceField(
        choices=[(LeadType.MARKETING_QUALIFIED, LeadType.MARKETING_QUALIFIED.label),
                 (LeadType.SALES_QUALIFIED, LeadType.SALES_QUALIFIED.label)]
    )
    company = forms.CharField(max_length=200)
    contact_name = forms.CharField(max_length=200)
    email = forms.EmailField()
    phone = forms.CharField(max_length=40, required=False)
    company_size = forms.ChoiceField(choices=[("", "—"), *CompanySize.choices], required=False)
    country = forms.CharField(max_length=2, required=False)
    city = forms.CharField(max_length=120, required=False)

    CUSTOMER_FIELDS = ("company", "contact_name", "email", "phone", "company_size", "country", "city")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].required = False
        self.fields["partner"].help_text = _("Leave it empty to send the lead to the partner routing finds most "
                                             "likely to win it (\"Suggest partners\" shows who and why).")

    class Meta:
        model = Lead
        fields = ["partner", "lead_type", "need", "contact_requested", "referred_by_email"]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "partner": data["partner"],
            "lead_type": data["lead_type"],
            "need": data["need"],
            "contact_requested": data["contact_requested"],
            "referred_by_email": data["referred_by_email"],
            "customer": {field: data[field] for field in self.CUSTOMER_FIELDS},
        }


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError next to the form's fields (or at the top when no field matches)."""
    for field, messages in error.message_dict.items():
        target = field.split(".")[-1] if field.split(".")[-1] in form.fields else None
        for message in messages:
            form.add_error(target, message)
