"""Bad input never answers 500: every form, API body and list query, fuzzed with hypothesis, gets a 4xx (or the
list's first page) and changes nothing. Each fuzzed case is counted; the run's summary prints the total."""

import base64
import itertools
import json
from datetime import UTC
from urllib.parse import quote_plus

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leads.models import Lead, LeadEvent, TeamMember
from leads.pagination import Cursor
from profiles.api_tokens import api_token_issue
from profiles.models import BusinessProfile
from tests.factories import AcceptedLeadFactory, BusinessProfileFactory, LeadFactory

SCRIPT = "<script>alert('x')</script>"
# The edges of Unicode: lone surrogates (JSON can spell them, UTF-8 cannot encode them, PostgreSQL refuses them)
# and non-characters (valid scalar values that must be stored or refused cleanly, never a 500).
UNICODE_EDGES = [
    "a\ud800b",
    "\ud800",
    "\udfff",
    "\udbff\udc00x",
    "\ufffe",
    "\uffff",
    "\U0001fffe",
    "\U0010ffff",
    "\ufdd0",
    "x\ud800\x00",
]
EDGE_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(), st.characters(categories=["Cs"]), st.sampled_from(["\ufffe", "\uffff", "\U0001fffe", "\ufdd0"])
    ),
    max_size=60,
)
# Text at the edges of Unicode only: what a valid body's one bad field is drawn from first.
EDGES = st.one_of(st.sampled_from(UNICODE_EDGES), EDGE_TEXT)
NASTY = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            SCRIPT,
            '"><img src=x onerror=alert(1)>',
            "x" * 100_000,
            "\x00",
            "ř\u202eevil\u200b",
            "😀" * 300,
            "-1",
            "-0.01",
            "0.001",
            "1e309",
            "NaN",
            "Infinity",
            "99999999999999999999999",
            "12,50",
            "0x1F",
            "0001-01-01",
            "9999-12-31",
            "2026-02-30",
            "1900-01-01",
            "not-a-date",
            "31/12/2030",
            "not-a-uuid",
            "00000000-0000-0000-0000-000000000000",
            "XXX",
            "usd",
            "other",
            "no_budget",
            "1-9",
            *UNICODE_EDGES,
        ]
    ),
    st.text(max_size=300),
    EDGE_TEXT,
)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def form_body(data: dict) -> str:
    """`data` urlencoded as a browser form; text UTF-8 cannot encode goes as the bytes a lax encoder writes
    (surrogatepass), which the test client's own encoder refuses, so the server's decoding is what is tested."""
    return "&".join(
        f"{quote_plus(key)}={quote_plus(str(value).encode('utf-8', 'surrogatepass'))}" for key, value in data.items()
    )


def post_form(client, url: str, data: dict, **extra):
    return client.post(url, form_body(data), content_type="application/x-www-form-urlencoded", **extra)


FORM_FIELDS = {
    "accept": [
        "deal_name",
        "deal_value",
        "currency",
        "estimated_close_date",
        "notes",
        "crm_id",
        "campaign_id",
        "team-0-name",
        "team-0-email",
        "team-0-phone",
    ],
    "decline": ["reason", "reason_notes"],
    "edit": ["deal_name", "deal_value", "currency", "estimated_close_date", "notes", "crm_id", "campaign_id"],
    "team": ["name", "email", "phone"],
    "lose": ["reason", "reason_notes"],
}


def state(lead):
    lead = Lead.objects.get(pk=lead.pk)
    return (
        lead.status,
        lead.version,
        lead.deal_name,
        str(lead.deal_value),
        lead.notes,
        lead.reason,
        LeadEvent.objects.filter(lead=lead).count(),
        TeamMember.objects.filter(lead=lead).count(),
    )


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(FORM_FIELDS))
def test_web_forms_answer_4xx_and_change_nothing_on_bad_input(client, org, partner_admin, action, fuzz_case):
    client.force_login(partner_admin)
    factory = LeadFactory if action in ("accept", "decline") else AcceptedLeadFactory

    @settings(FUZZ, max_examples=20)
    @given(data=st.fixed_dictionaries({}, optional=dict.fromkeys(FORM_FIELDS[action], NASTY)))
    def run(data):
        fuzz_case()
        lead = factory(partner=org)
        before = state(lead)
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = post_form(client, f"/leads/{lead.pk}/{action}/", data, **headers)
            assert response.status_code < 500
            assert SCRIPT.encode() not in body_of(response)
            if response.status_code >= 400:
                assert state(lead) == before, (data, response.status_code)

    run()


@pytest.mark.django_db
def test_malformed_ids_are_simply_not_found(client, partner_admin, fuzz_case):
    client.force_login(partner_admin)

    @FUZZ
    @given(
        lead_id=st.one_of(
            st.text(
                alphabet=st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="/?#%"),
                min_size=1,
                max_size=80,
            ),
            st.uuids().map(str),
        )
    )
    def run(lead_id):
        fuzz_case()
        for url in [f"/leads/{lead_id}/", f"/api/v1/leads/{lead_id}"]:
            response = client.get(url)
            assert response.status_code in (401, 404), (url, response.status_code)

    run()


@pytest.mark.django_db
def test_public_contact_form_never_fails_and_escapes_everything(client, org, fuzz_case):
    BusinessProfileFactory(organisation=org)
    addresses = itertools.count(1)
    fields = [
        "company",
        "contact_name",
        "email",
        "phone",
        "company_size",
        "country",
        "city",
        "need",
        "contact_requested",
        "website",
    ]

    @FUZZ
    @given(data=st.fixed_dictionaries({}, optional=dict.fromkeys(fields, NASTY)))
    def run(data):
        fuzz_case()
        leads_before = Lead.objects.count()
        response = post_form(
            client, f"/partners/{org.slug}/contact/", data, REMOTE_ADDR=f"192.0.2.{next(addresses) % 250}"
        )
        assert response.status_code < 500
        assert SCRIPT.encode() not in response.content
        if response.status_code >= 400:
            assert Lead.objects.count() == leads_before

    run()


@pytest.mark.django_db
def test_profile_form_never_fails_and_keeps_the_saved_profile_on_bad_input(client, org, partner_admin, fuzz_case):
    BusinessProfileFactory(organisation=org, description="Saved description")
    client.force_login(partner_admin)
    fields = [
        "description",
        "keywords",
        "company_sizes",
        "industries",
        "locations-TOTAL_FORMS",
        "locations-INITIAL_FORMS",
        "locations-0-country",
        "locations-0-city",
        "locations-0-contact_name",
        "locations-0-contact_email",
        "locations-0-contact_phone",
    ]

    @FUZZ
    @given(data=st.fixed_dictionaries({}, optional=dict.fromkeys(fields, NASTY)))
    def run(data):
        fuzz_case()
        before = list(BusinessProfile.objects.values_list("description", "keywords", "updated_at"))
        response = post_form(client, "/profile/", data)
        assert response.status_code < 500
        assert SCRIPT.encode() not in response.content
        if response.status_code >= 400:
            assert list(BusinessProfile.objects.values_list("description", "keywords", "updated_at")) == before

    run()


JSON_VALUES = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30), st.floats(allow_nan=False), NASTY
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.one_of(st.text(max_size=10), EDGE_TEXT), children, max_size=3),
    ),
    max_leaves=6,
)
API_FIELDS = [
    "deal_name",
    "deal_value",
    "currency",
    "estimated_close_date",
    "notes",
    "crm_id",
    "campaign_id",
    "reason",
    "reason_notes",
    "team",
    "name",
    "email",
    "phone",
]


# A body valid in every field but one: a bad value elsewhere would be refused first, and the one under test
# would never reach the database (which is how a lone surrogate in `notes` got through the first fuzzing).
VALID_BODIES = {
    "/accept": {
        "deal_name": "Deal",
        "deal_value": "100.00",
        "currency": "EUR",
        "estimated_close_date": "2031-01-01",
        "notes": "n",
        "crm_id": "c",
        "campaign_id": "k",
        "team": [{"name": "Ann", "email": "ann@example.com", "phone": "1"}],
    },
    "/decline": {"reason": "no_budget", "reason_notes": "r"},
    "/lose": {"reason": "no_budget", "reason_notes": "r"},
    "": {
        "deal_name": "Deal",
        "deal_value": "100.00",
        "currency": "EUR",
        "notes": "n",
        "crm_id": "c",
        "campaign_id": "k",
    },
    "/team": {"name": "Ann", "email": "ann@example.com", "phone": "1"},
}


def one_field_bad(valid: dict, values=None):
    """`valid` with one field (nested ones too, e.g. team.0.name) replaced by a nasty value."""
    paths = [(key,) for key in valid] + [
        (key, 0, inner) for key, value in valid.items() if isinstance(value, list) for inner in value[0]
    ]

    def replace(path, value):
        body = json.loads(json.dumps(valid))
        target = body
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value
        return body

    return st.builds(replace, st.sampled_from(paths), st.one_of(NASTY, JSON_VALUES) if values is None else values)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "suffix", "accepted"),
    [
        ("post", "/accept", False),
        ("post", "/decline", False),
        ("post", "/lose", True),
        ("patch", "", True),
        ("post", "/team", True),
    ],
)
def test_api_bodies_answer_4xx_with_json_and_change_nothing(
    client, org, partner_admin, method, suffix, accepted, fuzz_case
):
    _, token = api_token_issue(user=partner_admin, name="fuzz")
    factory = AcceptedLeadFactory if accepted else LeadFactory

    @FUZZ
    @given(
        body=st.one_of(
            one_field_bad(VALID_BODIES[suffix], EDGES),
            one_field_bad(VALID_BODIES[suffix]),
            st.fixed_dictionaries({}, optional=dict.fromkeys(API_FIELDS, JSON_VALUES)),
            JSON_VALUES,
        )
    )
    def run(body):
        fuzz_case()
        lead = factory(partner=org)
        before = state(lead)
        response = getattr(client, method)(
            f"/api/v1/leads/{lead.pk}{suffix}",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code < 500, (body, response.content[:300])
        if response.status_code >= 400:
            assert response["Content-Type"].startswith("application/json")
            assert json.loads(response.content)
            assert state(lead) == before, body

    run()


@pytest.mark.django_db
def test_api_creation_answers_4xx_on_bad_bodies(client, org, ops_user, fuzz_case):
    _, token = api_token_issue(user=ops_user, name="fuzz")
    fields = ["partner", "lead_type", "customer", "need", "contact_requested", "referred_by_email", "received_at"]
    valid = {
        "partner": org.slug,
        "lead_type": "sales_qualified",
        "need": "Need",
        "referred_by_email": "",
        "customer": {
            "company": "Acme",
            "contact_name": "Ann",
            "email": "ann@example.com",
            "phone": "",
            "company_size": "",
            "country": "CZ",
            "city": "",
        },
    }
    nested = st.builds(
        lambda field, value: {**valid, "customer": {**valid["customer"], field: value}},
        st.sampled_from(list(valid["customer"])),
        NASTY,
    )

    @FUZZ
    @given(
        body=st.one_of(
            one_field_bad(valid, EDGES),
            one_field_bad(valid),
            nested,
            st.fixed_dictionaries({}, optional=dict.fromkeys(fields, JSON_VALUES)),
        )
    )
    def run(body):
        fuzz_case()
        before = Lead.objects.count()
        response = client.post(
            "/api/v1/leads",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code < 500, (body, response.content[:300])
        if response.status_code >= 400:
            assert json.loads(response.content) and Lead.objects.count() == before

    run()


# Cursors: structurally valid (base64 of a JSON list) but wrongly typed, beside plain garbage. The probe's
# ["newest", "2026-01-01T00:00:00+00:00", 5] answered 500; any such cursor must be a 422 naming `cursor` in the
# API, and the first page on the web list.


def cursor_of(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


CURSOR_PARTS = st.tuples(
    st.just("newest"), st.datetimes(timezones=st.just(UTC)).map(lambda at: at.isoformat()), st.uuids().map(str)
)
# A real cursor's three strings with the timestamp or the id swapped for another JSON type (or a nasty string):
# the sort matches, so decoding goes as far as it can.
ONE_PART_WRONG = st.builds(
    lambda parts, index, value: cursor_of([*parts[:index], value, *parts[index + 1 :]]),
    CURSOR_PARTS,
    st.integers(1, 2),
    JSON_VALUES,
)
CURSORS = st.one_of(
    ONE_PART_WRONG,
    CURSOR_PARTS.map(lambda parts: cursor_of(list(parts))),
    st.tuples(
        st.one_of(st.sampled_from(["newest", "time_left", "deal_value", "NEWEST", ""]), JSON_VALUES),
        st.one_of(st.datetimes(timezones=st.sampled_from([UTC, None])).map(lambda at: at.isoformat()), JSON_VALUES),
        st.one_of(st.uuids().map(str), JSON_VALUES),
    ).map(lambda parts: cursor_of(list(parts))),
    st.lists(JSON_VALUES, max_size=5).map(cursor_of),
    JSON_VALUES.map(cursor_of),
    NASTY.map(lambda text: text[:600]),
)


def query(path: str, params: dict) -> str:
    return f"{path}?{form_body(params)}"


@pytest.mark.django_db
def test_api_list_queries_answer_a_page_or_a_422_naming_the_parameter(client, org, ops_user, fuzz_case):
    _, token = api_token_issue(user=ops_user, name="fuzz")
    LeadFactory(partner=org)

    @FUZZ
    @given(
        params=st.fixed_dictionaries(
            {"cursor": CURSORS},
            optional={"q": NASTY.map(lambda text: text[:300]), "partner": NASTY.map(lambda text: text[:100])},
        )
    )
    def run(params):
        fuzz_case()
        response = client.get(query("/api/v1/leads", params), HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code in (200, 422), (params, response.content[:300])
        if response.status_code == 422:
            assert set(json.loads(response.content)["errors"]) <= {"cursor", "q", "partner"}, response.content

    run()


@pytest.mark.django_db
def test_the_web_list_answers_its_first_page_for_any_cursor(client, org, partner_admin, fuzz_case):
    client.force_login(partner_admin)
    LeadFactory(partner=org, need="Always on the first page")

    @FUZZ
    @given(cursor=CURSORS, sort=st.sampled_from(["newest", "newest", "time_left"]))
    def run(cursor, sort):
        fuzz_case()
        response = client.get(query("/leads/marketplace/", {"cursor": cursor, "sort": sort}))
        assert response.status_code == 200, cursor
        try:
            Cursor.decode(cursor, sort=sort)
        except ValidationError:  # not a cursor of this sort: the list starts again at its first page
            assert "Always on the first page" in response.content.decode(), cursor

    run()


@pytest.mark.django_db
def test_a_structurally_valid_cursor_of_the_wrong_types_is_a_422_or_the_first_page(client, org, ops_user, fuzz_case):
    """The probe's family on its own, so every case reaches the decoder's type checks."""
    _, token = api_token_issue(user=ops_user, name="fuzz")
    client.force_login(ops_user)
    LeadFactory(partner=org, need="Always on the first page")

    @FUZZ
    @given(cursor=ONE_PART_WRONG)
    def run(cursor):
        fuzz_case()
        response = client.get(query("/api/v1/leads", {"cursor": cursor}), HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 422, (cursor, response.content[:300])
        assert list(json.loads(response.content)["errors"]) == ["cursor"]
        page = client.get(query("/leads/marketplace/", {"cursor": cursor}))
        assert page.status_code == 200 and "Always on the first page" in page.content.decode()

    run()
