"""Routing tests: every test starts without a routing snapshot left over from another test's partners."""
import pytest

from routing import snapshot


@pytest.fixture(autouse=True)
def fresh_routing_snapshot():
    snapshot.forget()
    yield
    snapshot.forget()
