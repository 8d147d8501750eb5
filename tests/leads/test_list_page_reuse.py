"""What a list or lead page reuses from earlier pages (leads.web.rows' formatted days and amounts, the templates'
fragments in CACHES["fragments"]) never shows one language's or one filter's markup on another's page."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.factories import AcceptedLeadFactory, CustomerFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, partner_admin):
    client.force_login(partner_admin)
    return client


def _page(client, language: str, query: str = "") -> str:
    return client.get(f"/leads/marketplace/{query}", HTTP_ACCEPT_LANGUAGE=language).content.decode()


def _select(html: str, name: str) -> str:
    return re.search(rf'<select name="{name}".*?</select>', html, re.DOTALL).group(0)


def _selected(html: str, name: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)" selected>', _select(html, name))


def test_english_czech_and_english_again_each_read_in_their_own_language(signed_in, org):
    AcceptedLeadFactory(
        partner=org,
        customer=CustomerFactory(company="Formats Ltd", country="CZ"),
        received_at=datetime(2026, 3, 9, 10, 0, tzinfo=UTC),
        deal_value=Decimal("1234567.50"),
        currency="CZK",
    )
    for _round in range(2):
        english, czech = _page(signed_in, "en"), _page(signed_in, "cs")
        assert "1,234,567.50 CZK" in english and "1\xa0234\xa0567,50 CZK" in czech
        assert ">9 Mar 2026</time>" in english and ">9. března 2026</time>" in czech
        assert "Czechia" in english and "Česko" in czech
        for words, other in (
            (["Decline selected", "Keyboard shortcuts", "Import CSV", ">Language<"], czech),
            (["Odmítnout vybrané", "Klávesové zkratky", "Importovat CSV", ">Jazyk<"], english),
        ):
            page = english if other is czech else czech
            assert all(word in page for word in words) and not any(word in other for word in words)
        assert '<option value="en" lang="en" selected>' in english and '<option value="cs" lang="cs" selected>' in czech
        for name, words in (("status", (">All<", ">Vše<")), ("sort", (">Newest first<", ">Nejnovější<"))):
            assert words[0] in _select(english, name) and words[1] in _select(czech, name)


def test_the_filters_show_what_each_request_chose(signed_in, org):
    AcceptedLeadFactory(partner=org)
    assert _selected(_page(signed_in, "en", "?status=accepted&sort=deal_value"), "status") == ["accepted"]
    assert _selected(_page(signed_in, "en", "?status=accepted&sort=deal_value"), "sort") == ["deal_value"]
    plain = _page(signed_in, "en")
    assert _selected(plain, "status") == [""] and _selected(plain, "sort") == ["newest"]
    assert _selected(_page(signed_in, "cs", "?status=won"), "status") == ["won"]
    assert _selected(_page(signed_in, "en", "?status=nonsense"), "status") == [""]


def test_a_lead_page_in_english_czech_and_english_again(signed_in, org):
    lead = LeadFactory(partner=org)
    for _round in range(2):
        english, czech = (
            signed_in.get(f"/leads/{lead.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
            for language in ("en", "cs")
        )
        template_row = re.compile(r"<template data-team-template>(.*?)</template>", re.DOTALL)
        assert "Remove this person" in template_row.search(english).group(1)
        assert "Odebrat tuto osobu" in template_row.search(czech).group(1)
        assert "Back to the list" in english and "Zpět na seznam" in czech
        assert "Zpět na seznam" not in english and "Back to the list" not in czech
        for section, words in (("accept", ("Deal name", "Název obchodu")), ("decline", ("Reason", "Důvod"))):
            assert words[0] in _section(english, section) and words[1] in _section(czech, section)
    accepted = AcceptedLeadFactory(partner=org)
    for _round in range(2):
        english, czech = (
            signed_in.get(f"/leads/{accepted.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
            for language in ("en", "cs")
        )
        for section, words in (("outcome", ("Reason", "Důvod")), ("team", ("Phone", "Telefon"))):
            assert words[0] in _section(english, section) and words[1] in _section(czech, section)
        # The lose form's reasons, not the decline form's (both forms' fields come from one template).
        outcome = _section(english, "outcome")
        assert "Customer did not respond" in outcome and "Not a fit for our business" not in outcome


def _section(html: str, section_id: str) -> str:
    return re.search(rf'<section[^>]*id="{section_id}".*?</section>', html, re.DOTALL).group(0)


def test_a_refused_form_keeps_what_was_typed_and_the_next_page_starts_clean(signed_in, org):
    lead = LeadFactory(partner=org, customer=CustomerFactory(country="DE"))
    page = f"/leads/{lead.pk}/"
    signed_in.get(page)  # the unbound forms, as every lead page with a German customer shows them
    typed = {"deal_name": "Typed <deal>", "deal_value": "-5", "currency": "CZK", "estimated_close_date": ""}
    refused = signed_in.post(f"{page}accept/", typed, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422
    accept_form = re.search(r'<section[^>]*id="accept".*?</section>', refused.content.decode(), re.DOTALL).group(0)
    assert 'value="Typed &lt;deal&gt;"' in accept_form and 'value="-5"' in accept_form
    assert '<option value="CZK" selected>' in accept_form and 'aria-invalid="true"' in accept_form
    again = signed_in.post(f"{page}accept/", typed | {"deal_name": "Typed again"}, HTTP_HX_REQUEST="true")
    assert 'value="Typed again"' in again.content.decode() and "Typed &lt;deal&gt;" not in again.content.decode()
    declined = signed_in.post(f"{page}decline/", {"reason": "other", "reason_notes": ""}, HTTP_HX_REQUEST="true")
    assert declined.status_code == 422
    decline_form = re.search(r'<section[^>]*id="decline".*?</section>', declined.content.decode(), re.DOTALL).group(0)
    assert '<option value="other" selected>' in decline_form and 'aria-invalid="true"' in decline_form
    clean = signed_in.get(page).content.decode()
    assert "Typed" not in clean and 'aria-invalid="true"' not in clean and 'value="-5"' not in clean
    assert '<option value="EUR" selected>' in clean and '<option value="other" selected>' not in clean


def test_an_accepted_lead_s_refused_forms_keep_what_was_typed(signed_in, org):
    lead = AcceptedLeadFactory(partner=org)
    page = f"/leads/{lead.pk}/"
    signed_in.get(page)  # the unbound lose and team forms
    for name in ("Someone <b>", "Someone else"):
        refused = signed_in.post(f"{page}team/", {"name": name, "email": "not-an-address"}, HTTP_HX_REQUEST="true")
        assert refused.status_code == 422
        team_form = re.search(r'<section[^>]*id="team".*?</section>', refused.content.decode(), re.DOTALL).group(0)
        assert f'value="{name.replace("<", "&lt;").replace(">", "&gt;")}"' in team_form
        assert 'value="not-an-address"' in team_form and 'aria-invalid="true"' in team_form
    lost = signed_in.post(
        f"{page}lose/", {"reason": "other", "reason_notes": "", "confirmed": "1"}, HTTP_HX_REQUEST="true"
    )
    assert lost.status_code == 422
    outcome = re.search(r'<section[^>]*id="outcome".*?</section>', lost.content.decode(), re.DOTALL).group(0)
    assert '<option value="other" selected>' in outcome and 'aria-invalid="true"' in outcome
    clean = signed_in.get(page).content.decode()
    assert "not-an-address" not in clean and 'aria-invalid="true"' not in clean
    assert '<option value="other" selected>' not in clean
