"""Bad input never answers 500: every form and API body, fuzzed with hypothesis, gets a 4xx and changes nothing."""
import itertools
import json


import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from leads.models import Lead, LeadEvent, TeamMember
from profiles.api_tokens import api_token_issue
from profiles.models import BusinessProfile
from tests.factories import AcceptedLeadFactory, BusinessProfileFactory, LeadFactory

SCRIPT = "<script>alert('x')</script>"
NASTY = st.one_of(
    st.sampled_from([
        "", " ", SCRIPT, "\"><img src=x onerror=alert(1)>", "x" * 100_000, "\x00", "ř\u202eevil\u200b", "😀" * 300,
        "-1", "-0.01", "0.001", "1e309", "NaN", "Infinity", "99999999999999999999999", "12,50", "0x1F",
        "0001-01-01", "9999-12-31", "2026-02-30", "1900-01-01", "not-a-date", "31/12/2030",
        "not-a-uuid", "00000000-0000-0000-0000-000000000000", "XXX", "usd", "other", "no_budget", "1-9",
    ]),
    st.text(max_size=300),
)
FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

FORM_FIELDS = {
    "accept": ["deal_name", "deal_value", "currency", "estimated_close_date", "notes", "crm_id", "campaign_id",
               "team-0-name", "team-0-email", "team-0-phone"],
    "decline": ["reason", "reason_notes"],
    "edit": ["deal_name", "deal_value", "currency", "estimated_close_date", "notes", "crm_id", "campaign_id"],
    "team": ["name", "email", "phone"],
    "lose": ["reason", "reason_notes"],
}


def state(lead):
    lead = Lead.objects.get(pk=lead.pk)
    return (lead.status, lead.version, lead.deal_name, str(lead.deal_value), lead.notes, lead.reason,
            LeadEvent.objects.filter(lead=lead).count(), TeamMember.objects.filter(lead=lead).count())


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(FORM_FIELDS))
def test_web_forms_answer_4xx_and_change_nothing_on_bad_input(client, org, partner_admin, action):
    client.force_login(partner_admin)
    factory = LeadFactory if action in ("accept", "decline") else AcceptedLeadFactory

    @settings(FUZZ, max_examples=12)
    @given(data=st.fixed_dictionaries({}, optional={field: NASTY for field in FORM_FIELDS[action]}))
    def run(data):
        lead = factory(partner=org)
        before = state(lead)
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = client.post(f"/leads/{lead.pk}/{action}/", data, **headers)
            assert response.status_code < 500
            assert SCRIPT.encode() not in body_of(response)
            if response.status_code >= 400:
                assert state(lead) == before, (data, response.status_code)

    run()


@pytest.mark.django_db
def test_malformed_ids_are_simply_not_found(client, partner_admin):
    client.force_login(partner_admin)

    @FUZZ
    @given(lead_id=st.one_of(st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="/?#%"), min_size=1, max_size=80), st.uuids().map(str)))
    def run(lead_id):
        for url in [f"/leads/{lead_id}/", f"/api/v1/leads/{lead_id}"]:
            response = client.get(url)
            assert response.status_code in (401, 404), (url, response.status_code)

    run()


@pytest.mark.django_db
def test_public_contact_form_never_fails_and_escapes_everything(client, org):
    BusinessProfileFactory(organisation=org)
    addresses = itertools.count(1)
    fields = ["company", "contact_name", "email", "phone", "company_size", "country", "city", "need",
              "contact_requested", "website"]

    @FUZZ
    @given(data=st.fixed_dictionaries({}, optional={field: NASTY for field in fields}))
    def run(data):
        leads_before = Lead.objects.count()
        response = client.post(f"/partners/{org.slug}/contact/", data, REMOTE_ADDR=f"192.0.2.{next(addresses) % 250}")
        assert response.status_code < 500
        assert SCRIPT.encode() not in response.content
        if response.status_code >= 400:
            assert Lead.objects.count() == leads_before

    run()


@pytest.mark.django_db
def test_profile_form_never_fails_and_keeps_the_saved_profile_on_bad_input(client, org, partner_admin):
    BusinessProfileFactory(organisation=org, description="Saved description")
    client.force_login(partner_admin)
    fields = ["description", "keywords", "company_sizes", "industries", "locations-TOTAL_FORMS",
              "locations-INITIAL_FORMS", "locations-0-country", "locations-0-city", "locations-0-contact_name",
              "locations-0-contact_email", "locations-0-contact_phone"]

    @FUZZ
    @given(data=st.fixed_dictionaries({}, optional={field: NASTY for field in fields}))
    def run(data):
        before = list(BusinessProfile.objects.values_list("description", "keywords", "updated_at"))
        response = client.post("/profile/", data)
        assert response.status_code < 500
        assert SCRIPT.encode() not in response.content
        if response.status_code >= 400:
            assert list(BusinessProfile.objects.values_list("description", "keywords", "updated_at")) == before

    run()


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
              st.floats(allow_nan=False), NASTY),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=10), children,
                                                                                 max_size=3)),
    max_leaves=6,
)
API_FIELDS = ["deal_name", "deal_value", "currency", "estimated_close_date", "notes", "crm_id", "campaign_id",
              "reason", "reason_notes", "team", "name", "email", "phone"]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "suffix", "accepted"), [
    ("post", "/accept", False), ("post", "/decline", False), ("post", "/lose", True), ("patch", "", True),
    ("post", "/team", True),
])
def test_api_bodies_answer_4xx_with_json_and_change_nothing(client, org, partner_admin, method, suffix, accepted):
    _, token = api_token_issue(user=partner_admin, name="fuzz")
    factory = AcceptedLeadFactory if accepted else LeadFactory

    @FUZZ
    @given(body=st.one_of(
        st.fixed_dictionaries({}, optional={field: JSON_VALUES for field in API_FIELDS}),
        JSON_VALUES,
    ))
    def run(body):
        lead = factory(partner=org)
        before = state(lead)
        response = getattr(client, method)(f"/api/v1/leads/{lead.pk}{suffix}", data=json.dumps(body),
                                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code < 500, (body, response.content[:300])
        if response.status_code >= 400:
            assert response["Content-Type"].startswith("application/json")
            assert json.loads(response.content)
            assert state(lead) == before, body

    run()


@pytest.mark.django_db
def test_api_creation_answers_4xx_on_bad_bodies(client, org, ops_user):
    _, token = api_token_issue(user=ops_user, name="fuzz")
    fields = ["partner", "lead_type", "customer", "need", "contact_requested", "referred_by_email", "received_at"]

    @FUZZ
    @given(body=st.fixed_dictionaries({}, optional={field: JSON_VALUES for field in fields}))
    def run(body):
        before = Lead.objects.count()
        response = client.post("/api/v1/leads", data=json.dumps(body), content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code < 500, (body, response.content[:300])
        if response.status_code >= 400:
            assert json.loads(response.content) and Lead.objects.count() == before

    run()

