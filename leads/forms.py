"""Forms for the lead actions; their fields carry the API's names and their rules come from leads.validators.

Each action form hands its service the keyword arguments (`service_kwargs`) and shows the service's own
ValidationError beside its fields (`add_service_errors`), so one view runs every action (leads.web.detail).
"""

import functools
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common.countries import CountryChoiceField
from common.selects import WrittenSelect, options_html
from leads import validators as v
from leads.currencies import COMMON_CURRENCIES, CURRENCIES, currency_for_country
from leads.models import DeclineReason, Lead, LeadType, LostReason
from profiles.models import CompanySize

CURRENCY_CHOICES = [
    *[(code, code) for code in COMMON_CURRENCIES],
    *[(code, code) for code in sorted(CURRENCIES) if code not in COMMON_CURRENCIES],
]


class CurrencySelect(WrittenSelect):
    """A select of ~160 currencies rendered in Python: the template per option made the lead page 3x slower.
    The common ones come first, with their names in the user's language; the rest follow as codes. The options
    are written once per language (and list of codes); a render only marks the selected one."""

    def options_html(self) -> str:
        rest = tuple(code for code, _label in self.choices if code not in COMMON_CURRENCIES)
        return _currency_options(get_language(), rest)


@functools.lru_cache(maxsize=16)
def _currency_options(language: str | None, rest: tuple[str, ...]) -> str:
    """Both groups of options, none selected, in `language` (the active one: the common names are translated)."""
    common = [(code, f"{code} — {label}") for code, label in COMMON_CURRENCIES.items()]
    return (
        f'<optgroup label="{escape(_("Common currencies"))}">{options_html(common)}</optgroup>'
        f'<optgroup label="{escape(_("Other currencies"))}">{options_html((code, code) for code in rest)}</optgroup>'
    )


class CurrencyField(forms.ChoiceField):
    """The deal's currency. Every form copies its fields, and Django's ChoiceField deep-copies its choices: ~160
    pairs per form, a twentieth of a lead page's CPU. These never change (a form that wants others assigns new
    ones, which replaces the list rather than changing it), so the copies share them."""

    def __deepcopy__(self, memo):
        result = forms.Field.__deepcopy__(self, memo)
        result._choices = self._choices
        return result


class LocalDecimalField(forms.DecimalField):
    """A decimal typed as text: a point, or the user's language's decimal comma ("12000,50" in Czech), is the
    decimal separator; anything that could be read two ways (a comma where the language writes a point,
    thousands separators beside a decimal one) is refused with a clear message, never reinterpreted. A number
    input would let the browser read "12000,50" as 1,200,050 in an English locale."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "number"})
    default_error_messages = {  # noqa: RUF012 - Django merges this dict per class
        "ambiguous": _(
            "Write the amount without thousands separators, with a decimal point (or your language's "
            "decimal comma), e.g. 12000.50."
        ),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = "".join(str(value).split())  # spaces (non-breaking ones too) only group digits
        comma = formats.get_format("DECIMAL_SEPARATOR") == ","
        if (
            text.count(",") + text.count(".") > 1
            or ("," in text and not comma)
            or (comma and re.search(r"\.\d{3}$", text))
        ):  # "12.000" reads as twelve thousand to many
            raise ValidationError(self.error_messages["ambiguous"], code="ambiguous")
        return super().to_python(text.replace(",", "."))

    def widget_attrs(self, widget):
        return {key: value for key, value in super().widget_attrs(widget).items() if key not in ("step", "min", "max")}


class ActionForm(forms.Form):
    @classmethod
    def initial_for(cls, lead) -> dict:
        """The values the form starts with on `lead`'s page."""
        return {}

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)

    def add_service_errors(self, error: ValidationError) -> None:
        apply_service_errors(self, error)


class DealForm(ActionForm):
    deal_name = forms.CharField(label=_("Deal name"), max_length=200)
    deal_value = LocalDecimalField(
        label=_("Estimated value"), min_value=0, max_digits=14, decimal_places=2, max_value=v.MAX_DEAL_VALUE
    )
    currency = CurrencyField(label=_("Currency"), choices=CURRENCY_CHOICES, initial="USD", widget=CurrencySelect)
    estimated_close_date = forms.DateField(
        label=_("Estimated close date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )
    crm_id = forms.CharField(label=_("CRM id"), required=False, max_length=100)
    campaign_id = forms.CharField(label=_("Campaign id"), required=False, max_length=100)

    def clean_deal_value(self):
        return v.clean_deal_value(self.cleaned_data["deal_value"])


class AcceptForm(DealForm):
    """received → accepted, with any number of extra team members named team-<i>-name / -email / -phone."""

    @classmethod
    def initial_for(cls, lead) -> dict:
        return {"currency": currency_for_country(lead.customer.country)}  # a Czech customer's deal is in CZK

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


def _reason_choices(choices) -> list:
    """A blank first option: a final action never runs on a reason nobody picked (DESIGN §3)."""
    return [("", _("Choose a reason…")), *choices]


class ReasonForm(ActionForm):
    reason_notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=5000,
        help_text=_("Required when the reason is “other”."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        try:
            v.require_notes_for_other(data.get("reason", ""), data.get("reason_notes", ""))
        except ValidationError as exc:
            self.add_error(None, exc)
        return data


class DeclineForm(ReasonForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=_reason_choices(DeclineReason.choices))
    field_order = ("reason", "reason_notes")


class LoseForm(ReasonForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=_reason_choices(LostReason.choices))
    field_order = ("reason", "reason_notes")


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
        choices=[
            (LeadType.MARKETING_QUALIFIED, LeadType.MARKETING_QUALIFIED.label),
            (LeadType.SALES_QUALIFIED, LeadType.SALES_QUALIFIED.label),
        ]
    )
    company = forms.CharField(max_length=200)
    contact_name = forms.CharField(max_length=200)
    email = forms.EmailField()
    phone = forms.CharField(max_length=40, required=False)
    company_size = forms.ChoiceField(choices=[("", "—"), *CompanySize.choices], required=False)
    country = CountryChoiceField(required=False)
    city = forms.CharField(max_length=120, required=False)

    CUSTOMER_FIELDS = ("company", "contact_name", "email", "phone", "company_size", "country", "city")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].required = False
        self.fields["partner"].help_text = _(
            "Leave it empty to send the lead to the partner routing finds most "
            'likely to win it ("Suggest partners" shows who and why).'
        )

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
