"""The webhooks API: register (secret once), list without secrets, delete, rotate; who may, and bad input."""

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webhooks.crypto import secret_decrypt
from webhooks.models import Endpoint

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hook"


def test_a_partner_admin_registers_an_endpoint_and_sees_its_secret_once(api_as, partner_admin):
    api = api_as(partner_admin)
    response = api.post("/webhooks", {"url": URL, "events": ["lead.received", "lead.won"]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) >= {"id", "url", "events", "is_active", "secret"}
    assert body["url"] == URL and body["events"] == ["lead.received", "lead.won"] and body["is_active"] is True
    assert body["secret"].startswith("whsec_") and "no-store" in response["Cache-Control"]
    endpoint = Endpoint.objects.get(pk=body["id"])
    assert body["secret"] not in endpoint.secret_encrypted  # encrypted at rest ...
    assert secret_decrypt(endpoint.secret_encrypted) == body["secret"]  # ... with the configured key
    listing = api.get("/webhooks").json()
    assert [item["id"] for item in listing] == [body["id"]]
    assert "secret" not in listing[0] and body["secret"] not in str(listing)


def test_an_empty_event_list_means_every_event(api_as, partner_admin):
    response = api_as(partner_admin).post("/webhooks", {"url": URL})
    assert response.status_code == 201 and response.json()["events"] == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://127.0.0.1/x"}, "url"),
        ({"url": "http://user:pw@127.0.0.1/x"}, "url"),
        ({"url": URL, "events": ["lead.exploded"]}, "events"),
        ({"url": URL, "events": "lead.won"}, "events"),
        ({"events": []}, "url"),
        ({"url": URL, "secret": "mine"}, "secret"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_creates_nothing(api_as, partner_admin, body, field):
    response = api_as(partner_admin).post("/webhooks", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert not Endpoint.objects.exists()


def test_an_organisation_has_at_most_ten_endpoints(api_as, partner_admin):
    api = api_as(partner_admin)
    for n in range(10):
        assert api.post("/webhooks", {"url": f"{URL}/{n}"}).status_code == 201
    response = api.post("/webhooks", {"url": f"{URL}/11"})
    assert response.status_code == 422 and "10" in response.json()["errors"]["url"][0]
    assert Endpoint.objects.count() == 10


@override_settings(LEADHUB_WEBHOOKS_ALLOW_PRIVATE=False)
@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",  # https only
        "https://10.0.0.1/hook",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://localhost/hook",
        "https://0.0.0.0/hook",
    ],
)
def test_production_refuses_urls_that_are_not_https_or_not_public_with_a_422(api_as, partner_admin, url):
    response = api_as(partner_admin).post("/webhooks", {"url": url})
    assert response.status_code == 422, response.content
    assert "url" in response.json()["errors"]
    assert not Endpoint.objects.exists()


def test_delete_answers_204_and_the_endpoint_is_gone(api_as, partner_admin):
    api = api_as(partner_admin)
    endpoint_id = api.post("/webhooks", {"url": URL}).json()["id"]
    assert api.delete(f"/webhooks/{endpoint_id}").status_code == 204
    assert not Endpoint.objects.exists()
    assert api.delete(f"/webhooks/{endpoint_id}").status_code == 404


def test_rotating_gives_a_new_secret_and_keeps_the_old_one_for_24_hours(api_as, partner_admin):
    api = api_as(partner_admin)
    created = api.post("/webhooks", {"url": URL}).json()
    response = api.post(f"/webhooks/{created['id']}/rotate-secret")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    rotated = response.json()
    assert rotated["id"] == created["id"] and rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != created["secret"]
    endpoint = Endpoint.objects.get()
    assert secret_decrypt(endpoint.secret_encrypted) == rotated["secret"]
    assert secret_decrypt(endpoint.previous_secret_encrypted) == created["secret"]
    hours = (endpoint.previous_secret_expires_at - endpoint.created_at).total_seconds() / 3600
    assert 23.9 < hours < 24.1


def test_referrals_admins_and_outsiders_are_refused(api_as, referrals_admin, outsider):
    for user in (referrals_admin, outsider):
        api = api_as(user)
        assert api.post("/webhooks", {"url": URL}).status_code == 403
        assert api.get("/webhooks").status_code == 403
    assert not Endpoint.objects.exists()


def test_another_organisations_endpoint_is_a_404_everywhere(api_as, partner_admin, other_admin):
    theirs = api_as(other_admin).post("/webhooks", {"url": URL}).json()
    api = api_as(partner_admin)
    assert api.delete(f"/webhooks/{theirs['id']}").status_code == 404
    assert api.post(f"/webhooks/{theirs['id']}/rotate-secret").status_code == 404
    assert api.get("/webhooks").json() == []
    assert Endpoint.objects.count() == 1
    assert secret_decrypt(Endpoint.objects.get().secret_encrypted) == theirs["secret"]


def test_ops_list_any_partners_endpoints_but_change_none(api_as, ops_user, partner_admin, other_admin, org):
    mine = api_as(partner_admin).post("/webhooks", {"url": URL}).json()
    api_as(other_admin).post("/webhooks", {"url": URL + "/theirs"})
    ops = api_as(ops_user)
    assert len(ops.get("/webhooks").json()) == 2
    listing = ops.get("/webhooks", {"partner": org.slug}).json()
    assert [item["id"] for item in listing] == [mine["id"]] and listing[0]["partner"] == org.slug
    assert ops.post("/webhooks", {"url": URL}).status_code == 403
    assert ops.delete(f"/webhooks/{mine['id']}").status_code == 403
    assert ops.post(f"/webhooks/{mine['id']}/rotate-secret").status_code == 403


def test_without_a_token_everything_is_a_401(anonymous_api):
    assert anonymous_api.get("/webhooks").status_code == 401
    assert anonymous_api.post("/webhooks", {"url": URL}).status_code == 401


NASTY = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "http://",
            "http://[::1",
            "http://127.0.0.1:99999/",
            "http://127.0.0.1/\x00",
            "https://" + "a" * 3000 + ".example/",
            "javascript:alert(1)",
            "http://127.0.0.1:8000/<script>",
        ]
    ),
    st.text(max_size=200),
)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(url=NASTY, events=st.one_of(st.lists(st.one_of(NASTY, st.integers()), max_size=3), NASTY, st.none()))
def test_bad_registrations_never_answer_500(api_as, partner_admin, url, events):
    response = api_as(partner_admin).post("/webhooks", {"url": url, "events": events})
    assert response.status_code in (201, 422), response.content
    if response.status_code == 201:
        Endpoint.objects.all().delete()
