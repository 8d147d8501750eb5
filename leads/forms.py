"""Forms for the lifecycle actions; their fields carry the API's names and their rules come from leads.validators."""
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


class DealForm(forms.Form):
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
    """received → accepted. Extra team members are validated by the service (see leads.views for the formset)."""

    def clean_estimated_close_date(self):
        return v.clean_close_date(self.cleaned_data["estimated_close_date"], allow_past=False)


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=DeclineReason.choices)
    reason_notes = forms.CharField(label=_("Notes"), required=False, max_length=5000,
                                   widget=forms.Textarea(attrs={"rows": 3}))


class LoseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=LostReason.choices)
    reason_notes = forms.CharField(label=_("Notes"), required=False, max_length=5000,
                                   widget=forms.Textarea(attrs={"rows": 3}))


class TeamMemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)


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
