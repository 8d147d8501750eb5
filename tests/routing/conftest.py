"""Routing tests: every test starts without a routing snapshot left over from another test's partners."""

import pytest

from routing import snapshot
from tests.api.conftest import anonymous_api, api_as  # noqa: F401  (the API tests' token clients)


@pytest.fixture(autouse=True)
def fresh_routing_snapshot():
    snapshot.forget()
    yield
    snapshot.forget()
