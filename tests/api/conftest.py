"""API test helpers: a client that speaks JSON with a bearer token issued through the real token service."""

import json

import pytest

from profiles.api_tokens import api_token_issue

BASE = "/api/v1"


class ApiClient:
    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self, extra):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def get(self, path, params=None, headers=None):
        return self.client.get(BASE + path, params or {}, headers=self._headers(headers))

    def _send(self, method, path, body, headers):
        data = "" if body is None else json.dumps(body)
        return getattr(self.client, method)(
            BASE + path, data=data, content_type="application/json", headers=self._headers(headers)
        )

    def post(self, path, body=None, headers=None):
        return self._send("post", path, body, headers)

    def patch(self, path, body=None, headers=None):
        return self._send("patch", path, body, headers)

    def put(self, path, body=None, headers=None):
        return self._send("put", path, body, headers)

    def delete(self, path, headers=None):
        return self._send("delete", path, None, headers)


@pytest.fixture
def api_as(client):
    """api_as(user) → a client authenticated with a fresh API token of `user`."""

    def make(user):
        _token, plain = api_token_issue(user=user, name="tests")
        return ApiClient(client, plain)

    return make


@pytest.fixture
def anonymous_api(client):
    return ApiClient(client, None)
