"""Issue 19 item 1, in the ops admin: every action that archives or revokes asks once on a page of its own (no
script: the strict CSP allows none inline) before it runs — "Mark won", "Mark lost", "Decline", token revocation."""

import re

import pytest
from django.urls import reverse

from leads.models import Lead, Status
from profiles.api_tokens import api_token_issue
from profiles.models import ApiToken
from tests.factories import AcceptedLeadFactory, LeadFactory

pytestmark = pytest.mark.django_db

CHANGE_FORM = {
    "deal_name": "Cloud migration",
    "deal_value": "12500.00",
    "currency": "EUR",
    "notes": "",
    "crm_id": "",
    "campaign_id": "",
    "team-TOTAL_FORMS": "0",
    "team-INITIAL_FORMS": "0",
}


@pytest.fixture
def ops_client(client, ops_user):
    client.force_login(ops_user)
    return client


def no_inline_script(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline <script> (the CSP refuses it)"
    assert not re.search(r"\son[a-z]+=", html), "an inline event handler (the CSP refuses it)"


@pytest.mark.parametrize(
    "name, factory, question, button, answer",
    [
        ("win", AcceptedLeadFactory, "Mark this lead won? It is archived", "Mark won", {}),
        ("lose", AcceptedLeadFactory, "Mark this lead lost? It is archived", "Mark lost", {"reason": "no_budget"}),
        ("decline", LeadFactory, "Decline this lead? The customer is told", "Decline", {"reason": "not_a_fit"}),
    ],
)
def test_an_archiving_admin_button_asks_once_on_a_page_then_archives(
    ops_client, org, name, factory, question, button, answer
):
    lead = factory(partner=org)
    form = {**CHANGE_FORM, "estimated_close_date": str(lead.estimated_close_date or "")}
    clicked = ops_client.post(reverse("admin:leads_lead_change", args=[lead.pk]), form | {"_fsm_transition_to": name})
    page_url = reverse("admin:leads_lead_transition", args=[lead.pk, name])
    assert clicked.status_code == 302 and clicked["Location"] == page_url
    assert Lead.objects.get(pk=lead.pk).status == lead.status  # the click alone archived nothing
    page = ops_client.get(page_url).content.decode()
    assert question in page and "cannot be" in page
    assert f'<input type="submit" class="default" value="{button}">' in page and ">Cancel</a>" in page
    assert 'aria-describedby="transition-confirm"' in page and 'id="transition-confirm"' in page
    no_inline_script(page)
    done = ops_client.post(page_url, answer)
    assert done.status_code == 302
    assert (
        Lead.objects.get(pk=lead.pk).status
        == {"win": Status.WON, "lose": Status.LOST, "decline": Status.DECLINED}[name]
    )


def test_the_admin_asks_in_czech_for_a_czech_ops_user(ops_client, org):
    lead = AcceptedLeadFactory(partner=org)
    page = ops_client.get(
        reverse("admin:leads_lead_transition", args=[lead.pk, "win"]), HTTP_ACCEPT_LANGUAGE="cs"
    ).content.decode()
    assert "Označit lead jako vyhraný? Archivuje se a potom už ho nepůjde změnit." in page
    assert 'value="Označit jako vyhraný"' in page


def test_revoking_tokens_in_the_admin_asks_once_naming_them(ops_client, partner_admin):
    token, _plain = api_token_issue(user=partner_admin, name="CRM sync")
    url = reverse("admin:profiles_apitoken_changelist")
    asked = ops_client.post(url, {"action": "revoke", "_selected_action": [token.pk]})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Revoke these API tokens?" in page and "CRM sync" in page and "This cannot be undone." in page
    assert 'value="Yes, revoke"' in page and ">No, keep them</a>" in page
    no_inline_script(page)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    done = ops_client.post(url, {"action": "revoke", "_selected_action": [token.pk], "confirmed": "yes"})
    assert done.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    czech = ops_client.post(url, {"action": "revoke", "_selected_action": [token.pk]}, HTTP_ACCEPT_LANGUAGE="cs")
    assert "Zrušit tyto API tokeny?" in czech.content.decode() and "už zrušený" in czech.content.decode()


def test_the_czech_admin_names_its_sections_in_czech(ops_client):
    index = ops_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="cs").content.decode()
    assert ">Partneři</a>" in index and ">Leady</a>" in index
    assert ">Partners</a>" not in index


def test_the_czech_admin_lead_page_has_no_english_headings_beside_czech_values(ops_client, org):
    lead = AcceptedLeadFactory(partner=org)
    page = ops_client.get(reverse("admin:leads_lead_change", args=[lead.pk]), HTTP_ACCEPT_LANGUAGE="cs")
    html = page.content.decode()
    for czech in ("Zákazník a potřeba</h2>", "Obchod</h2>", "Výsledek</h2>", "Historie</h2>", ">Akce</label>"):
        assert czech in html, czech
    assert re.search(r"<label[^>]*>Měna:</label>", html)
    for english in ("Customer and need", ">Deal</h2>", ">Outcome</h2>", "Transition (status)", ">Currency:"):
        assert english not in html, english
    listing = ops_client.get(reverse("admin:leads_lead_changelist"), HTTP_ACCEPT_LANGUAGE="cs").content.decode()
    assert "Firma zákazníka, kontakt, e-mail" in listing and ">Zákazník</a>" in listing
    done = ops_client.post(
        reverse("admin:leads_lead_transition", args=[lead.pk, "win"]), HTTP_ACCEPT_LANGUAGE="cs", follow=True
    )
    assert "Gratulujeme" in done.content.decode()
