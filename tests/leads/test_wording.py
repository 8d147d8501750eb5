"""Issue 19's words and counts without a browser: Czech labels a sales person cannot confuse, dates in each
language's own format, the language switcher, Czech field names for the admin, and the heart's out-of-band tabs."""

from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from leads.models import Customer, Lead, Status
from leads.web.lists import STATUS_FILTER_CHOICES
from profiles.models import Location
from tests.factories import LeadFactory

MOMENT = datetime(2026, 12, 14, 19, 31, tzinfo=UTC)


def render(text: str, **context) -> str:
    return Template("{% load i18n %}" + text).render(Context(context))


def test_czech_received_and_accepted_are_words_nobody_confuses():
    with translation.override("cs"):
        received, accepted = str(Status.RECEIVED.label), str(Status.ACCEPTED.label)
        assert (received, accepted) == ("Nový", "Přijatý")
        assert not received.lower().startswith("přij")  # "Přijatý" reads as accepted
        filter_labels = {value: str(label) for value, label in STATUS_FILTER_CHOICES}
        # The list's filter names waiting leads with the rows' own word.
        assert filter_labels["received"] == received and filter_labels["accepted"] == accepted


def test_english_filter_uses_the_rows_word_for_received():
    with translation.override("en"):
        assert {value: str(label) for value, label in STATUS_FILTER_CHOICES}["received"] == "Received"


def test_dates_follow_each_languages_own_format():
    with translation.override("cs"):
        assert render('{{ d|date:"DATE_FORMAT" }}', d=date(2026, 12, 14)) == "14. prosince 2026"
        assert render('{{ d|date:"SHORT_DATE_FORMAT" }}', d=date(2026, 12, 14)) == "14. 12. 2026"
        assert render('{{ d|date:"DATETIME_FORMAT" }}', d=MOMENT) == "14. prosince 2026, 19:31"
    with translation.override("en"):
        assert render('{{ d|date:"DATETIME_FORMAT" }}', d=MOMENT) == "14 Dec 2026, 19:31"


@pytest.mark.django_db
def test_czech_lead_page_dates_read_in_czech(client, partner_admin, org):
    lead = LeadFactory(partner=org, received_at=MOMENT)
    client.force_login(partner_admin)
    html = client.get(f"/leads/{lead.pk}/", headers={"accept-language": "cs"}).content.decode()
    assert "Přišel 14. prosince 2026, 19:31" in html
    assert "Pro 2026" not in html


@pytest.mark.django_db
def test_language_switcher_names_each_language_in_itself(client, partner_admin):
    client.force_login(partner_admin)
    html = client.get("/leads/marketplace/", headers={"accept-language": "cs"}).content.decode()
    switcher = html[html.index('id="language-select"') : html.index("</select>")]
    assert '<option value="en" lang="en">English</option>' in switcher
    assert 'lang="cs" selected>Čeština</option>' in switcher
    assert "anglicky" not in switcher


def test_admin_field_labels_are_czech():
    with translation.override("cs"):
        labels = {
            field: str(Customer._meta.get_field(field).verbose_name)
            for field in ("company", "contact_name", "phone", "city")
        }
        assert labels == {"company": "firma", "contact_name": "kontaktní osoba", "phone": "telefon", "city": "město"}
        assert str(Lead._meta.get_field("status").verbose_name) == "stav"
        assert str(Lead._meta.get_field("deal_value").verbose_name) == "hodnota obchodu"
        assert str(Lead._meta.verbose_name_plural) == "leady"
        assert str(Location._meta.get_field("contact_email").verbose_name) == "kontaktní e-mail"


@pytest.mark.django_db
def test_heart_answers_with_the_tabs_out_of_band_counting_the_new_favourite(client, partner_admin, org):
    lead = LeadFactory(partner=org)
    client.force_login(partner_admin)
    response = client.post(
        f"/leads/{lead.pk}/favorite/",
        {"favorite": "1", "next": "/leads/marketplace/"},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/leads/marketplace/"},
    )
    html = response.content.decode()
    assert 'class="heart-form"' in html
    tabs = html[html.index('<nav class="tabs" id="tabs"') :]
    assert 'hx-swap-oob="true"' in tabs[:200]
    favorites = tabs[tabs.index('href="/leads/favorites/"') :]
    assert ">1 waiting<" in favorites[:600]
    # The list's tabs keep swapping the panel, and the list it was sent from stays the current tab.
    assert 'href="/leads/marketplace/" aria-current="page"' in tabs and 'hx-target="#lead-panel"' in tabs


@pytest.mark.django_db
def test_hot_lead_page_puts_a_tap_to_call_button_before_the_forms(client, partner_admin, org):
    lead = LeadFactory(partner=org, contact_requested=True)
    client.force_login(partner_admin)
    html = client.get(f"/leads/{lead.pk}/").content.decode()
    call = html.index('href="tel:+420777123456"')
    assert call < html.index('id="accept"') and call < html.index('id="need-title"')
