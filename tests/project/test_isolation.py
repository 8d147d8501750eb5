"""Tenant isolation, walked over the whole URLconf: every route (web, HTMX, API) as another organisation's user.

New routes are covered without anyone remembering to add them: a route whose URL argument this file does not
know how to fill fails the walk until it is taught here.
"""

import csv
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from leads import services
from leads.models import Customer, Favorite, Lead, LeadEvent, TeamMember
from profiles.api_tokens import api_token_issue
from profiles.models import ApiToken, BusinessProfile, Location, Membership, Role
from tests.factories import (
    AcceptedLeadFactory,
    BusinessProfileFactory,
    CustomerFactory,
    LeadFactory,
    LocationFactory,
    MembershipFactory,
    UserFactory,
)
from tests.leads.csv_files import parse
from webhooks.models import Delivery, Endpoint
from webhooks.services import endpoint_create

# Open to anyone by design: the login, the public directory and its contact form, health, API schema and docs.
PUBLIC = {
    "",
    "accounts/login/",
    "accounts/logout/",
    "healthz",
    "i18n/setlang/",
    "partners/",
    "partners/<slug:slug>/",
    "partners/<slug:slug>/contact/",
    "api/v1/",
    "api/v1/openapi.json",
    "api/v1/docs",
}
METHODS = ["get", "post", "put", "patch", "delete"]
SECRET_COMPANY = "Fabrikam Secret Customer"


def routes():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern) == "admin/":
                    continue  # staff only; partner users are turned away (tests/leads/test_admin.py)
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern

    return sorted({route for route, _ in walk(get_resolver().url_patterns)})


def fill(route: str, values: dict) -> list[str]:
    """Every concrete URL for a route pattern, with each argument taken from `values`."""
    urls = [route]
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", route):
        assert name in values, f"teach tests/project/test_isolation.py a value for <{name}> (route {route!r})"
        token = f"<{converter}:{name}>" if converter else f"<{name}>"
        urls = [url.replace(token, str(value)) for url in urls for value in values[name]]
    return ["/" + url for url in urls]


def fingerprint():
    """Everything a partner could change, so a walk can prove that nothing did."""
    return {
        "leads": sorted(Lead.objects.values_list("id", "status", "version", "deal_name", "notes", "is_hot")),
        "events": LeadEvent.objects.count(),
        "team": TeamMember.objects.count(),
        "favorites": sorted(Favorite.objects.values_list("user_id", "lead_id")),
        "customers": Customer.objects.count(),
        "tokens": sorted(ApiToken.objects.values_list("id", "name", "revoked_at")),
        "profiles": sorted(BusinessProfile.objects.values_list("id", "description", "keywords", "updated_at")),
        "locations": Location.objects.count(),
        "memberships": sorted(Membership.objects.values_list("user_id", "organisation_id", "role")),
        "webhooks": sorted(Endpoint.objects.values_list("id", "url", "paused", "is_active", "secret_encrypted")),
        "deliveries": sorted(Delivery.objects.values_list("id", "status", "attempts")),
    }


# Tables a harmless request writes: its session (logging in, the idle timeout) and an API token's last use. The
# tokens' names and revocations are in the fingerprint, compared once the walk is over.
WRITTEN_BY_ANY_REQUEST = ("django_session", "profiles_apitoken")


def rows_written() -> dict[str, int]:
    """Rows this transaction has inserted, updated or deleted so far, per table (but those above). PostgreSQL counts
    them per transaction, so one query after each request shows whether it wrote anything, and where, instead of
    the fingerprint's eleven queries each time."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
            " WHERE n_tup_ins + n_tup_upd + n_tup_del > 0 AND NOT relname = ANY(%s)",
            [list(WRITTEN_BY_ANY_REQUEST)],
        )
        return dict(cursor.fetchall())


@pytest.fixture
def world(org, other_org, partner_admin, ops_user):
    """Organisation `org` (the caller) and `other_org` (the target), each with leads, a favourite, a token, a profile."""
    mine = LocationFactory(profile=BusinessProfileFactory(organisation=org))
    theirs = LocationFactory(profile=BusinessProfileFactory(organisation=other_org))
    theirs_admin = MembershipFactory(
        user=UserFactory(username="fabrikam-admin"), organisation=other_org, role=Role.PARTNER_ADMIN
    ).user
    secret = CustomerFactory(company=SECRET_COMPANY, email="secret@fabrikam-customer.example")
    their_leads = [
        LeadFactory(partner=other_org, customer=secret, contact_requested=True),
        LeadFactory(partner=other_org, customer=secret, lead_type="sales_qualified"),
        AcceptedLeadFactory(partner=other_org, customer=secret, deal_name="Secret deal"),
        AcceptedLeadFactory(partner=other_org, customer=secret, status="won", deal_name="Secret won deal"),
    ]
    services.lead_favorite_set(lead=their_leads[0], by=theirs_admin, favorite=True)
    their_token, _ = api_token_issue(user=theirs_admin, name="their CRM")
    their_member = TeamMember.objects.create(lead=their_leads[2], name="Secret", email="s@fabrikam.example")
    my_leads = [LeadFactory(partner=org), AcceptedLeadFactory(partner=org)]
    my_member = TeamMember.objects.create(lead=my_leads[1], name="Mine", email="m@contoso.example")
    my_token, my_plain = api_token_issue(user=partner_admin, name="my CRM")
    their_endpoint, _secret = endpoint_create(by=theirs_admin, url="http://127.0.0.1:9/theirs")
    their_delivery = Delivery.objects.create(
        endpoint=their_endpoint, event_type="lead.won", payload={}, status="failed"
    )
    my_endpoint, _secret = endpoint_create(by=partner_admin, url="http://127.0.0.1:9/mine")
    my_delivery = Delivery.objects.create(endpoint=my_endpoint, event_type="lead.won", payload={}, status="failed")
    return {
        "their_leads": their_leads,
        "their_token": their_token,
        "my_leads": my_leads,
        "my_token": my_token,
        "my_plain": my_plain,
        "their_import": _import_preview(theirs_admin),
        "their_member": their_member,
        "my_member": my_member,
        "their_location": theirs,
        "my_location": mine,
        "their_endpoint": their_endpoint,
        "their_delivery": their_delivery,
        "my_endpoint": my_endpoint,
        "my_delivery": my_delivery,
    }


def _import_preview(user) -> str:
    """The token of a CSV import preview `user` made (declining their first lead), waiting to be applied."""
    theirs = Client()
    theirs.force_login(user)
    rows = parse(b"".join(theirs.get("/leads/marketplace/export.csv").streaming_content))
    next(row for row in rows if row["status"] == "Received").update(status="declined", reason="not_a_fit")
    edited = io.StringIO()
    writer = csv.DictWriter(edited, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    preview = theirs.post("/leads/import/", {"file": SimpleUploadedFile("theirs.csv", edited.getvalue().encode())})
    found = re.search(r"/leads/import/([\w-]+)/apply/", preview.content.decode())
    assert found, preview.content.decode()[-3000:]
    return found.group(1)


def foreign_values(world):
    return {
        "lead_id": [lead.pk for lead in world["their_leads"]] + ["not-a-uuid", "00000000-0000-0000-0000-000000000000"],
        "token_id": [world["their_token"].pk],
        "member_id": [world["their_member"].pk, "x"],
        "location_id": [world["their_location"].pk, "x"],
        "tab": ["marketplace", "qualified", "favorites"],
        "slug": ["fabrikam"],
        "endpoint_id": [world["their_endpoint"].pk],
        "delivery_id": [world["their_delivery"].pk],
        "token": [world["their_import"], "not-a-token"],
    }


def own_values(world):
    return {
        "lead_id": [lead.pk for lead in world["my_leads"]],
        "token_id": [world["my_token"].pk],
        "member_id": [world["my_member"].pk],
        "location_id": [world["my_location"].pk],
        "tab": ["marketplace", "qualified", "favorites"],
        "slug": ["contoso"],
        "endpoint_id": [world["my_endpoint"].pk],
        "delivery_id": [world["my_delivery"].pk],
        "token": ["no-such-preview-token-000"],
    }


ACCEPT = {"deal_name": "x", "deal_value": "1", "currency": "USD", "estimated_close_date": "2030-01-01"}
VALID_BODIES = {  # by the URL's last segment: a body each endpoint would accept for one of the caller's own leads
    "accept": ACCEPT,
    "decline": {"reason": "other", "reason_notes": "x", "confirmed": "1"},
    "lose": {"reason": "other", "reason_notes": "x", "confirmed": "1"},
    "win": {"confirmed": "1"},
    "team": {"name": "x", "email": "x@x.example"},
    "edit": {"notes": "x"},
    "favorite": {},
}


def body_for(url: str, method: str) -> dict:
    last = url.rstrip("/").rsplit("/", 1)[-1]
    if method == "patch":
        return {"notes": "x"}
    return VALID_BODIES.get(
        last, {"reason": "other", "reason_notes": "x", "confirmed": "1", "name": "x", "email": "x@x.example"} | ACCEPT
    )


def request_as(client, method, url, plain_token):
    if not url.startswith("/api/"):
        return client.get(url) if method == "get" else getattr(client, method)(url, body_for(url, method))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {plain_token}"}
    if method == "get":
        return client.get(url, **headers)
    body = {key: value for key, value in body_for(url, method).items() if key != "confirmed"}  # a web-only field
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json", **headers)


@pytest.mark.django_db
def test_every_route_hides_other_organisations(client, world, partner_admin):
    client.force_login(partner_admin)
    before, written = fingerprint(), rows_written()
    checked = 0
    for route in routes():
        if route in PUBLIC:
            continue
        for url in fill(route, foreign_values(world)):
            for method in METHODS:
                response = request_as(client, method, url, world["my_plain"])
                checked += 1
                where = f"{method.upper()} {url}"
                assert response.status_code < 500, where
                if (
                    any(f"<{name}>" in route for name in ("lead_id", "token_id", "member_id", "location_id"))
                    or ":endpoint_id>" in route
                ):
                    assert response.status_code in (404, 405), f"{where} answered {response.status_code}"
                else:
                    body = b"".join(response.streaming_content) if response.streaming else response.content
                    assert SECRET_COMPANY.encode() not in body, f"{where} shows another organisation's lead"
                    assert b"Secret deal" not in body, where
                assert rows_written() == written, f"{where} changed data"
    assert checked > 100
    assert fingerprint() == before


@pytest.mark.django_db
def test_every_web_post_needs_a_csrf_token_and_every_api_write_a_bearer_token(world, partner_admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(partner_admin)
    before, written = fingerprint(), rows_written()
    for route in routes():
        for url in fill(route, own_values(world)):
            for method in ["post", "put", "patch", "delete"]:
                if url.startswith("/api/"):
                    if route in PUBLIC:
                        continue
                    response = getattr(Client(), method)(url, data="{}", content_type="application/json")
                    assert response.status_code in (401, 405), f"{method.upper()} {url}: {response.status_code}"
                else:
                    response = getattr(client, method)(url, {"reason": "other", "name": "x"})
                    assert response.status_code in (403, 405), f"{method.upper()} {url}: {response.status_code}"
                assert rows_written() == written, f"{method.upper()} {url} changed data without a token"
    assert fingerprint() == before


@pytest.mark.django_db
def test_no_route_changes_anything_on_get(client, world, partner_admin):
    client.force_login(partner_admin)
    before = fingerprint()
    for route in routes():
        for url in fill(route, own_values(world)):
            response = request_as(client, "get", url, world["my_plain"])
            assert response.status_code < 500, url
            assert fingerprint() == before, f"GET {url} changed data"
