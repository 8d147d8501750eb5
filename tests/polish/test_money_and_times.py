"""Issue 19 items 10 and 11: the deal's money (currency from the customer's country, common currencies first,
the decimal comma read right or refused, never reinterpreted) and one clock (imports keep their own times)."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone, translation

from leads import services
from leads.forms import AcceptForm
from leads.models import EventAction, Status
from tests.factories import AcceptedLeadFactory, CustomerFactory, LeadFactory
from tests.polish.helpers import HX, fresh, url

pytestmark = pytest.mark.django_db
FUTURE = (timezone.now() + timedelta(days=40)).date().isoformat()


@pytest.fixture
def admin_client(client, partner_admin):
    client.force_login(partner_admin)
    return client


def _currency_select(html: str) -> str:
    form = re.search(r'<form[^>]*action="[^"]*/accept/".*?</form>', html, re.DOTALL).group(0)
    return re.search(r'<select name="currency".*?</select>', form, re.DOTALL).group(0)


@pytest.mark.parametrize(
    "country, currency",
    [
        ("CZ", "CZK"),
        ("DE", "EUR"),
        ("SK", "EUR"),
        ("GB", "GBP"),
        ("PL", "PLN"),
        ("", "USD"),
        ("BR", "BRL"),
        ("AQ", "USD"),
    ],
)
def test_the_accept_form_s_currency_defaults_from_the_customer_s_country(admin_client, org, country, currency):
    lead = LeadFactory(partner=org, customer=CustomerFactory(country=country))
    select = _currency_select(admin_client.get(url("detail", lead)).content.decode())
    assert re.findall(r'<option value="([A-Z]{3})" selected>', select) == [currency]


def test_common_currencies_come_first_with_names(admin_client, org):
    select = _currency_select(admin_client.get(url("detail", LeadFactory(partner=org))).content.decode())
    codes = re.findall(r'<option value="([A-Z]{3})"', select)
    assert codes[:6] == ["CZK", "EUR", "USD", "GBP", "PLN", "CHF"] and len(codes) == len(set(codes)) > 150
    assert "CZK — Czech koruna" in select and "EUR — Euro" in select
    czech = _currency_select(
        admin_client.get(url("detail", LeadFactory(partner=org)), HTTP_ACCEPT_LANGUAGE="cs").content.decode()
    )
    assert "CZK — Česká koruna" in czech


def test_the_currency_names_follow_each_request_s_language_and_only_the_chosen_one_is_selected():
    """The options are written once per language and reused: each render still speaks its own language."""
    renders = {}
    for language in ("en", "cs", "en", "cs"):
        with translation.override(language):
            for value in ("CZK", "GBP", "XYZ", '"><b>'):
                select = str(AcceptForm({"currency": value})["currency"])
                chosen = [value] if value in ("CZK", "GBP") else []  # no such currency: nothing selected
                assert re.findall(r'<option value="([^"]*)" selected>', select) == chosen
                assert select.count("<option ") > 150 and "<b>" not in select
                renders.setdefault((language, value), select)
                assert renders[language, value] == select
    assert "CZK — Czech koruna" in renders["en", "CZK"] and 'optgroup label="Common currencies"' in renders["en", "CZK"]
    assert "CZK — Česká koruna" in renders["cs", "CZK"] and "Czech koruna" not in renders["cs", "CZK"]


def test_forms_share_the_currency_choices_without_one_changing_another_s():
    narrowed, other = AcceptForm(), AcceptForm()
    narrowed.fields["currency"].choices = [("EUR", "EUR")]
    assert narrowed["currency"].field.valid_value("EUR") and not narrowed["currency"].field.valid_value("CZK")
    assert other.fields["currency"].valid_value("CZK") and len(other.fields["currency"].choices) > 150
    assert str(AcceptForm()["currency"]).count("<option ") == len(other.fields["currency"].choices)


@pytest.mark.parametrize(
    "language, typed, expected",
    [
        ("cs", "12000,50", "12000.50"),
        ("cs", "12 000,50", "12000.50"),
        ("cs", "12\u00a0000,5", "12000.50"),
        ("cs", "12000.50", "12000.50"),
        ("en", "12000.50", "12000.50"),
        ("en", "12 000.50", "12000.50"),
    ],
)
def test_the_deal_value_reads_the_locale_s_decimal_separator(language, typed, expected):
    with translation.override(language):
        form = AcceptForm({"deal_name": "X", "deal_value": typed, "currency": "CZK", "estimated_close_date": FUTURE})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["deal_value"] == Decimal(expected)


@pytest.mark.parametrize(
    "language, typed", [("en", "12000,50"), ("en", "12,000.50"), ("cs", "12.000,50"), ("cs", "12.000"), ("cs", "1,2,3")]
)
def test_an_amount_that_reads_two_ways_is_refused_never_reinterpreted(language, typed):
    with translation.override(language):
        form = AcceptForm({"deal_name": "X", "deal_value": typed, "currency": "CZK", "estimated_close_date": FUTURE})
        assert not form.is_valid() and form.has_error("deal_value", "ambiguous")
    with translation.override("en"):
        assert "without thousands separators" in " ".join(form.errors["deal_value"])


def test_accepting_in_czech_with_a_decimal_comma_stores_the_amount(admin_client, org):
    lead = LeadFactory(partner=org)
    data = {"deal_name": "ERP", "deal_value": "12000,50", "currency": "CZK", "estimated_close_date": FUTURE}
    response = admin_client.post(url("accept", lead), data, HTTP_ACCEPT_LANGUAGE="cs", **HX)
    assert response.status_code == 200 and fresh(lead).deal_value == Decimal("12000.50")
    value_input = re.search(
        r'<input[^>]*name="deal_value"[^>]*>',
        admin_client.get(url("detail", LeadFactory(partner=org))).content.decode(),
    ).group(0)
    assert 'type="text"' in value_input and 'inputmode="decimal"' in value_input  # no browser number parsing


def test_deal_values_never_wrap_mid_number(admin_client, org):
    lead = AcceptedLeadFactory(partner=org, deal_value="1200050.00")
    assert re.search(
        r'class="deal-value money">1,200,050.00 EUR<', admin_client.get(url("detail", lead)).content.decode()
    )
    listing = admin_client.get("/leads/marketplace/", {"status": "accepted"}).content.decode()
    assert 'class="deal-value money"' in listing
    css = Path("static/css/app.css").read_text()
    assert re.search(r"\.money[^{]*\{[^}]*white-space: nowrap", css)


def test_an_import_records_its_creation_at_the_lead_s_own_time(ops_user, org):
    received = timezone.now() - timedelta(days=4, hours=2)
    lead = services.lead_create(
        by=ops_user,
        partner=org,
        lead_type="sales_qualified",
        need="ERP",
        customer={"company": "Acme", "contact_name": "P", "email": "p@acme.example"},
        received_at=received,
    )
    created = lead.events.get(action=EventAction.CREATE)
    assert created.at == received and lead.received_at == received
    assert fresh(lead).status == Status.RECEIVED


def test_pages_say_which_clock_their_times_are_in(admin_client, org):
    lead = LeadFactory(partner=org)
    assert "All times are in UTC." in admin_client.get(url("detail", lead)).content.decode()
    assert "All times are in UTC." in admin_client.get("/leads/marketplace/").content.decode()
