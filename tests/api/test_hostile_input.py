"""Input a client crafted: a structurally valid cursor of the wrong types, and text no database can store.

Both answered 500 before (AttributeError in the cursor decoder, UnicodeEncodeError at PostgreSQL); now the API
answers 422 naming the field, the web list starts again at page 1, and nothing is written.
"""

import base64
import json

import pytest

from leads.models import Lead, LeadEvent
from leads.pagination import Cursor
from tests.factories import AcceptedLeadFactory, LeadFactory

LEAD_ID = "3f2b8c1e-0000-4000-8000-000000000001"
WHEN = "2026-01-01T00:00:00+00:00"


def cursor_of(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


# Each is valid base64 of valid JSON, and each is wrong: the probe's [sort, datetime, 5] first.
WRONGLY_TYPED = [
    ["newest", WHEN, 5],
    ["newest", WHEN, None],
    ["newest", WHEN, 5.5],
    ["newest", WHEN, True],
    ["newest", WHEN, [LEAD_ID]],
    ["newest", WHEN, {"id": LEAD_ID}],
    ["newest", 1767225600, LEAD_ID],
    ["newest", None, LEAD_ID],
    ["newest", [WHEN], LEAD_ID],
    ["newest", {"at": WHEN}, LEAD_ID],
    ["newest", False, LEAD_ID],
    ["newest", 1.5e9, LEAD_ID],
    [None, WHEN, LEAD_ID],
    [1, WHEN, LEAD_ID],
    [["newest"], WHEN, LEAD_ID],
    [{"sort": "newest"}, WHEN, LEAD_ID],
    [True, WHEN, LEAD_ID],
    ["time_left", WHEN, LEAD_ID],  # another sort's cursor
    ["deal_value", WHEN, LEAD_ID],  # a sort with no keyset
    ["newest", "2026-01-01T00:00:00", LEAD_ID],  # no zone
    ["newest", "2026-02-30T00:00:00+00:00", LEAD_ID],
    ["newest", "0001-01-01T00:00:00+14:00", LEAD_ID],  # before year 1 in UTC
    ["newest", "9999-12-31T23:59:59-14:00", LEAD_ID],  # after year 9999 in UTC
    ["newest", WHEN, "not-a-uuid"],
    ["newest", WHEN, ""],
    ["newest", WHEN, LEAD_ID, "extra"],
    ["newest", WHEN],
    [],
    {"sort": "newest", "received_at": WHEN, "id": LEAD_ID},
    "newest",
    5,
    None,
    True,
    1.5,
    json.loads("[" * 40 + "]" * 40),
]
MALFORMED = ["garbage", "W10", "!!!!", "é", "=" * 8, "W" * 501, cursor_of([[]] * 200)]


def test_a_cursor_round_trips_and_rejects_every_other_shape():
    cursor = Cursor.decode(cursor_of(["newest", WHEN, LEAD_ID]), sort="newest")
    assert (cursor.sort, cursor.received_at.isoformat(), str(cursor.id)) == ("newest", WHEN, LEAD_ID)
    assert Cursor.decode(cursor.encode(), sort="newest") == cursor
    for value in WRONGLY_TYPED:
        with pytest.raises(Exception) as raised:
            Cursor.decode(cursor_of(value), sort="newest")
        assert raised.type.__name__ == "ValidationError", (value, raised.type)


@pytest.mark.django_db
@pytest.mark.parametrize("value", WRONGLY_TYPED, ids=repr)
def test_a_wrongly_typed_cursor_is_a_422_naming_cursor(api_as, referrals_admin, value):
    response = api_as(referrals_admin).get("/leads", {"cursor": cursor_of(value)})
    assert response.status_code == 422, response.content
    assert list(response.json()["errors"]) == ["cursor"]


@pytest.mark.django_db
@pytest.mark.parametrize("cursor", MALFORMED, ids=repr)
def test_a_malformed_cursor_is_a_422_naming_cursor(api_as, referrals_admin, cursor):
    response = api_as(referrals_admin).get("/leads", {"cursor": cursor})
    assert response.status_code == 422, response.content
    assert "cursor" in response.json()["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize("value", WRONGLY_TYPED + MALFORMED, ids=repr)
def test_the_web_list_starts_again_at_page_one_on_a_wrongly_typed_cursor(client, partner_admin, org, value):
    LeadFactory(partner=org, need="Only lead on the list")
    client.force_login(partner_admin)
    cursor = value if isinstance(value, str) and value in MALFORMED else cursor_of(value)
    response = client.get("/leads/marketplace/", {"cursor": cursor})
    assert response.status_code == 200
    assert "Only lead on the list" in response.content.decode()


# Text that cannot be encoded as UTF-8 (a lone surrogate), in every text field of every body.

SURROGATE = "a\ud800b"
TEXT_FIELDS = {
    ("patch", ""): {"deal_name": "Deal", "notes": "n", "crm_id": "c", "campaign_id": "k", "currency": "EUR"},
    ("post", "/lose"): {"reason": "price", "reason_notes": "r"},
    ("post", "/team"): {"name": "Ann", "email": "ann@example.com", "phone": "1"},
}


def _state(lead):
    lead = Lead.objects.get(pk=lead.pk)
    return lead.version, lead.notes, lead.deal_name, LeadEvent.objects.filter(lead=lead).count()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "suffix", "field"),
    [(method, suffix, field) for (method, suffix), fields in TEXT_FIELDS.items() for field in fields],
)
@pytest.mark.parametrize("bad", [SURROGATE, "\udfff", "x\x00y"], ids=["lone-high", "lone-low", "null"])
def test_unstorable_text_in_any_accepted_lead_field_is_a_422_naming_it(
    api_as, partner_admin, org, method, suffix, field, bad
):
    lead = AcceptedLeadFactory(partner=org)
    before = _state(lead)
    body = {**TEXT_FIELDS[(method, suffix)], field: bad}
    response = getattr(api_as(partner_admin), method)(f"/leads/{lead.pk}{suffix}", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert _state(lead) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field", ["deal_name", "notes", "crm_id", "campaign_id", "currency", "team.0.name", "team.0.email", "team.0.phone"]
)
def test_unstorable_text_in_an_accept_body_is_a_422_naming_the_field(api_as, partner_admin, org, field):
    lead = LeadFactory(partner=org)
    body = {
        "deal_name": "Deal",
        "deal_value": "10",
        "estimated_close_date": "2031-01-01",
        "currency": "EUR",
        "notes": "",
        "crm_id": "",
        "campaign_id": "",
        "team": [{"name": "Ann", "email": "ann@example.com", "phone": ""}],
    }
    if field.startswith("team."):
        body["team"][0][field.rsplit(".", 1)[1]] = SURROGATE
    else:
        body[field] = SURROGATE
    response = api_as(partner_admin).post(f"/leads/{lead.pk}/accept", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert Lead.objects.get(pk=lead.pk).status == "received"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field",
    [
        "partner",
        "need",
        "referred_by_email",
        "customer.company",
        "customer.contact_name",
        "customer.email",
        "customer.phone",
        "customer.city",
        "customer.country",
        "customer.company_size",
    ],
)
def test_unstorable_text_in_a_new_lead_is_a_422_naming_the_field(api_as, ops_user, org, field):
    body = {
        "partner": org.slug,
        "lead_type": "sales_qualified",
        "need": "Need",
        "customer": {"company": "Acme", "contact_name": "Ann", "email": "ann@example.com"},
    }
    if field.startswith("customer."):
        body["customer"][field.split(".", 1)[1]] = SURROGATE
    else:
        body[field] = SURROGATE
    before = Lead.objects.count()
    response = api_as(ops_user).post("/leads", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert Lead.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("parameter", ["q", "partner", "cursor"])
def test_unstorable_text_in_a_list_query_is_a_422_naming_the_parameter(api_as, ops_user, parameter):
    """Query strings cannot carry a surrogate over HTTP (Django decodes with replacement), but the API's type
    refuses one wherever it comes from; a null character does come through and is refused the same way."""
    response = api_as(ops_user).get("/leads", {parameter: "a\x00b"})
    assert response.status_code == 422, response.content
    assert parameter in response.json()["errors"]


def test_the_api_text_type_and_the_shared_cleaner_refuse_lone_surrogates_and_keep_non_characters():
    from django.core.exceptions import ValidationError
    from pydantic import TypeAdapter
    from pydantic import ValidationError as PydanticError

    from common.validators import clean_text
    from leads.api.schemas import Text

    text = TypeAdapter(Text)
    for bad in (SURROGATE, "\ud800", "\udc00x", "x\x00"):
        with pytest.raises(PydanticError):
            text.validate_python(bad)
        with pytest.raises(ValidationError):
            clean_text(bad, max_length=100)
    # Non-characters are valid Unicode scalar values that UTF-8 and PostgreSQL hold: they are kept.
    for kept in ("\ufffe", "\uffff", "\U0001fffe", "😀", "ř"):
        assert text.validate_python(kept) == kept
        assert clean_text(kept, max_length=100) == kept
