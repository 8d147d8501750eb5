"""common.form_renderer writes the commonest form templates in Python: every field of every form must come out exactly
as Django's own templates write it (labels, help texts, errors, widgets, escaping, localisation), in both languages."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from common.form_renderer import INPUT, WRITERS, FormRenderer
from leads.forms import AcceptForm, DealForm, DeclineForm, LoseForm, TeamMemberForm, team_member_form
from profiles.directory import ContactForm, DirectorySearchForm
from profiles.forms import LocationForm, ProfileForm
from webhooks.forms import EndpointForm

OURS, DJANGOS = FormRenderer(), DjangoTemplates()


class ShoutingBoundField(forms.BoundField):
    def label_tag(self, contents=None, attrs=None, label_suffix=None, tag=None):
        return super().label_tag(str(self.label).upper(), attrs, label_suffix, tag)


class OwnOptions(forms.Select):
    option_template_name = "django/forms/widgets/input_option.html"


class Awkward(forms.Form):
    """Every corner the templates have: markup in labels, values and messages, booleans and numbers as attributes,
    optgroups, localised numbers and dates, a label ending in punctuation, no label, a fieldset, a hidden field."""

    required_css_class = "needed"
    error_css_class = "wrong"

    text = forms.CharField(
        label='Name <b>"quoted"</b> & more',
        help_text=mark_safe("Help with <em>markup</em>"),
        widget=forms.TextInput(attrs={"data-x": '"<&>', "autofocus": True, "spellcheck": False, "size": 20}),
    )
    question = forms.CharField(label="Really?", required=False, max_length=5)
    unlabelled = forms.CharField(label="", required=False)
    spaced = forms.CharField(label=" Spaced ", required=False)
    loud = forms.CharField(label="Loud", required=False, bound_field_class=ShoutingBoundField)
    lazy_safe = forms.CharField(label=mark_safe(gettext_lazy("Notes")), required=False)
    safe_attr = forms.CharField(required=False, widget=forms.TextInput(attrs={"title": mark_safe("<i>ok</i>")}))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": None}))
    amount = forms.DecimalField(required=False, localize=True, max_digits=12, decimal_places=2)
    number = forms.IntegerField(required=False, min_value=0, max_value=10_000)
    when = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(required=False, localize=True)
    email = forms.EmailField(required=False)
    choice = forms.ChoiceField(
        required=False,
        choices=[
            ("", "—"),
            ("Group <1>", [("a", "A & a"), ("b", mark_safe("<b>B</b>"))]),
            (3, 3000),
            ("d", Decimal("1.5")),
            ("t", datetime.date(2030, 1, 2)),
            ("x", "X"),
        ],
    )
    many = forms.MultipleChoiceField(required=False, choices=[("1", "One"), ("2", "Two")])
    own = forms.ChoiceField(required=False, choices=[("o", "O")], widget=OwnOptions)
    flag = forms.BooleanField(required=False)
    radio = forms.ChoiceField(required=False, choices=[("r", "Red"), ("g", "Green")], widget=forms.RadioSelect)
    boxes = forms.MultipleChoiceField(
        required=False, choices=[("p", "P"), ("q", "Q")], widget=forms.CheckboxSelectMultiple
    )
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    nothing = forms.NullBooleanField(required=False)

    def clean(self):
        raise forms.ValidationError(mark_safe("Whole <b>form</b> wrong"))


AWKWARD_DATA = {
    "text": '<script>alert("x")</script>',
    "question": "far too long",
    "notes": "<b>bold</b>\n& more",
    "amount": "1234.5",
    "number": "-3",
    "when": "2030-02-03",
    "moment": "2030-02-03 04:05",
    "email": "not an e-mail <x>",
    "choice": "b",
    "many": ["1", "2"],
    "flag": "on",
    "radio": "g",
    "boxes": ["q"],
    "hidden": '"&',
    "secret": "s3cr<et",
    "nothing": "true",
}
AWKWARD_INITIAL = {
    "text": "Smith & Sons",
    "amount": Decimal("12345.678"),
    "number": 1000,
    "when": datetime.date(2030, 1, 2),
    "moment": datetime.datetime(2030, 1, 2, 3, 4, tzinfo=datetime.UTC),
    "choice": 3,
    "many": ["2"],
    "flag": True,
    "radio": "r",
}


def _forms(renderer):
    """Each form in the states a page shows it: fresh (with initial values), filled in with errors, filled in."""
    deal = {
        "deal_name": "ERP <rollout>",
        "deal_value": "12000.50",
        "currency": "CZK",
        "estimated_close_date": "2030-01-01",
    }
    team = {"team-0-name": "Eva", "team-0-email": "not-an-email", "team-1-name": "", "team-1-email": "x@y.example"}
    return [
        Awkward(renderer=renderer),
        Awkward(initial=AWKWARD_INITIAL, renderer=renderer),
        Awkward(AWKWARD_DATA, renderer=renderer),
        Awkward(AWKWARD_DATA, renderer=renderer, auto_id=False),
        Awkward(AWKWARD_DATA, renderer=renderer, auto_id="f-%s", label_suffix=" →", prefix="p"),
        AcceptForm(initial={"currency": "EUR"}, renderer=renderer),
        AcceptForm({**deal, "deal_value": "-5", "deal_name": "", **team}, renderer=renderer),
        DealForm(
            initial={"deal_value": Decimal("48000.00"), "estimated_close_date": datetime.date(2030, 1, 1)},
            renderer=renderer,
        ),
        DealForm(deal, renderer=renderer),
        DeclineForm(renderer=renderer),
        DeclineForm({"reason": "other", "reason_notes": ""}, renderer=renderer),
        LoseForm({"reason": "nonsense"}, renderer=renderer),
        TeamMemberForm({"name": "", "email": "a@"}, renderer=renderer),
        ProfileForm(renderer=renderer),
        ProfileForm({"keywords": "x" * 3000, "company_sizes": ["nope"], "monthly_capacity": "-1"}, renderer=renderer),
        LocationForm({"country": "ZZ", "contact_email": "bad"}, renderer=renderer),
        DirectorySearchForm({"q": "<x>", "country": "CZ"}, renderer=renderer),
        ContactForm({"email": "bad", "message": ""}, renderer=renderer),
        EndpointForm({"url": "ftp://x"}, renderer=renderer),
    ]


def _every_rendering(form) -> list[str]:
    form.full_clean() if form.is_bound else None
    parts = [str(form.non_field_errors()), form.as_div(), form.as_p(), form.as_table(), form.as_ul()]
    for field in form:
        parts += [field.as_field_group(), str(field), field.label_tag(), field.legend_tag(), str(field.errors)]
        parts += [field.label_tag(attrs={"class": "x"}, label_suffix="!"), field.as_hidden(), field.as_text()]
    if isinstance(form, AcceptForm):
        for member in [*form.team_rows, form.team_template, team_member_form(None, 3)]:
            parts += [member.as_div(), *(field.as_field_group() for field in member)]
    return parts


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "cs"])
def test_every_field_renders_exactly_as_django_s_templates(language):
    with translation.override(language):
        ours = [_every_rendering(form) for form in _forms(OURS)]
        djangos = [_every_rendering(form) for form in _forms(DJANGOS)]
    for our_form, django_form in zip(ours, djangos, strict=True):
        for our_part, django_part in zip(our_form, django_form, strict=True):
            assert our_part == django_part


def test_the_python_writers_are_in_use_with_this_django():
    """Every writer matches its template in the installed Django; when an upgrade changes one, this fails (and that
    template is rendered by Django again, exactly but slowly, until its writer is brought up to date)."""
    assert isinstance(get_default_renderer(), FormRenderer)
    assert set(get_default_renderer().writers) == {name for name, (_source, writer) in WRITERS.items() if writer}


def test_a_changed_template_is_rendered_by_its_template_again(monkeypatch):
    renderer = FormRenderer()
    real = FormRenderer._source
    monkeypatch.setattr(FormRenderer, "_source", lambda self, name: "changed" if name == INPUT else real(self, name))
    assert "django/forms/widgets/text.html" not in renderer.writers and INPUT not in renderer.writers
    assert "django/forms/widgets/textarea.html" in renderer.writers
    field = TeamMemberForm({"name": "<x>"}, renderer=renderer)["name"]
    assert field.as_field_group() == TeamMemberForm({"name": "<x>"}, renderer=DJANGOS)["name"].as_field_group()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, required, invalid",
    [
        ("en", "This field is required.", "Enter a valid email address."),
        ("cs", "Toto pole je povinné.", "Zadejte platnou e-mailovou adresu."),
    ],
)
def test_an_accept_error_shows_beside_its_field_in_either_language(
    client, partner_admin, lead, language, required, invalid
):
    client.force_login(partner_admin)
    data = {
        "deal_name": "",
        "deal_value": "100",
        "currency": "CZK",
        "estimated_close_date": "2030-01-01",
        "team-0-name": "Eva",
        "team-0-email": "nope",
    }
    with translation.override(language):  # the middleware activates the request's language; restored after
        html = client.post(f"/leads/{lead.pk}/accept/", data, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    deal_name = html.split('<label for="id_deal_name">', 1)[1].split("</div>", 1)[0]
    assert f'<ul class="errorlist" id="id_deal_name_error"><li>{required}' in deal_name
    assert 'aria-invalid="true" aria-describedby="id_deal_name_error"' in deal_name
    email = html.split('<label for="id_team-0-email">', 1)[1].split("</div>", 1)[0]
    assert 'id="id_team-0-email_error"' in email and invalid in email and 'value="nope"' in email
