"""Small helpers of the issue-19 tests: a logged-in client, URLs, a bearer-token API call."""

import json

from django.test import Client
from django.urls import reverse

from leads.models import Lead
from profiles.api_tokens import api_token_issue

HX = {"HTTP_HX_REQUEST": "true"}


def url(name, lead):
    return reverse(f"leads:{name}", kwargs={"lead_id": lead.pk})


def fresh(lead):
    return Lead.objects.get(pk=lead.pk)


def api(user, method: str, path: str, body=None, **params):
    _token, plain = api_token_issue(user=user, name="polish")
    headers = {"Authorization": f"Bearer {plain}"}
    if method == "get":
        return Client().get(f"/api/v1{path}", params, headers=headers)
    return getattr(Client(), method)(
        f"/api/v1{path}", data=json.dumps(body or {}), content_type="application/json", headers=headers
    )
