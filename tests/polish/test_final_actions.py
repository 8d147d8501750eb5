"""Issue 19 item 1: a final action never runs on one click or on a reason nobody chose."""

import re

import pytest

from leads import services
from leads.models import Status
from profiles.api_tokens import api_token_issue
from tests.factories import AcceptedLeadFactory, LeadFactory
from tests.polish.helpers import HX, api, fresh, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, partner_admin):
    client.force_login(partner_admin)
    return client


def _select(html: str, action: str) -> str:
    form = re.search(rf'<form[^>]*action="[^"]*/{action}/"[^>]*>(.*?)</form>', html, re.DOTALL).group(1)
    return re.search(r'<select name="reason"[^>]*>.*?</select>', form, re.DOTALL).group(0)


def test_decline_and_lose_forms_start_with_no_reason_chosen(admin_client, org):
    decline = _select(admin_client.get(url("detail", LeadFactory(partner=org))).content.decode(), "decline")
    lose = _select(admin_client.get(url("detail", AcceptedLeadFactory(partner=org))).content.decode(), "lose")
    for select in (decline, lose):
        assert " required" in select.split(">")[0]
        first = re.search(r"<option[^>]*>[^<]*</option>", select).group(0)
        assert 'value=""' in first and "Choose a reason" in first
        assert " selected" not in select.replace(first, "")  # nothing else preselected


def test_decline_without_a_reason_is_refused_beside_the_field(admin_client, org):
    lead = LeadFactory(partner=org)
    response = admin_client.post(url("decline", lead), {"reason": "", "confirmed": "1"}, **HX)
    assert response.status_code == 422 and "This field is required" in response.content.decode()
    assert fresh(lead).status == Status.RECEIVED


@pytest.mark.parametrize("name, factory", [("decline", LeadFactory), ("lose", AcceptedLeadFactory)])
def test_other_without_notes_is_refused_by_web_api_and_service(admin_client, partner_admin, org, name, factory):
    lead = factory(partner=org)
    web = admin_client.post(url(name, lead), {"reason": "other", "reason_notes": " ", "confirmed": "1"}, **HX)
    assert web.status_code == 422 and "reason is “other”" in web.content.decode()
    answer = api(partner_admin, "post", f"/leads/{lead.pk}/{name}", {"reason": "other"})
    assert answer.status_code == 422 and "reason_notes" in answer.json()["errors"]
    service = getattr(services, f"lead_{name}")
    with pytest.raises(Exception) as raised:
        service(lead=lead, by=partner_admin, reason="other")
    assert "reason_notes" in raised.value.message_dict
    assert fresh(lead).status == lead.status
    done = api(partner_admin, "post", f"/leads/{lead.pk}/{name}", {"reason": "other", "reason_notes": "Reorg"})
    assert done.status_code == 200 and fresh(lead).reason_notes == "Reorg"  # the API is not asked to confirm


@pytest.mark.parametrize(
    "name, factory, data",
    [
        ("decline", LeadFactory, {"reason": "no_budget", "reason_notes": "Next year"}),
        ("win", AcceptedLeadFactory, {}),
        ("lose", AcceptedLeadFactory, {"reason": "no_response"}),
    ],
)
def test_an_archiving_action_asks_once_then_runs(admin_client, org, name, factory, data):
    lead = factory(partner=org)
    status = lead.status
    asked = admin_client.post(url(name, lead), data)  # no JavaScript: the confirmation page
    html = asked.content.decode()
    assert asked.status_code == 200 and fresh(lead).status == status
    assert "data-confirm-page" in html and 'name="confirmed" value="1"' in html
    for key, value in data.items():
        assert f'name="{key}" value="{value}"' in html  # the same input, carried to the second POST
    fragment = admin_client.post(url(name, lead), data, **HX).content.decode()
    assert fragment.lstrip().startswith('<div id="lead-main"') and "data-confirm-page" in fragment
    assert "<script" not in html.split("</head>")[1]  # no inline script
    done = admin_client.post(url(name, lead), {**data, "confirmed": "1"})
    assert done.status_code == 302 and fresh(lead).status != status


def test_the_lead_page_marks_archiving_forms_for_the_dialog(admin_client, org):
    html = admin_client.get(url("detail", AcceptedLeadFactory(partner=org))).content.decode()
    assert re.search(r'<form data-confirm="Mark this lead won\?[^"]*"[^>]*/win/', html)
    assert re.search(r'<form data-confirm="Mark this lead lost\?[^"]*"[^>]*/lose/', html)
    assert "js/confirm.js" in html


def test_token_revoke_asks_once(client, partner_admin, other_admin):
    token, _plain = api_token_issue(user=partner_admin, name="CRM")
    client.force_login(partner_admin)
    listing = client.get("/profile/tokens/").content.decode()
    assert re.search(r'data-confirm="Revoke the token “CRM”\?', listing)
    asked = client.post(f"/profile/tokens/{token.pk}/revoke/")
    assert asked.status_code == 200 and 'name="confirmed" value="1"' in asked.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    client.post(f"/profile/tokens/{token.pk}/revoke/", {"confirmed": "1"})
    token.refresh_from_db()
    assert token.revoked_at is not None
    foreign, _plain = api_token_issue(user=other_admin, name="Theirs")
    assert client.post(f"/profile/tokens/{foreign.pk}/revoke/").status_code == 404
