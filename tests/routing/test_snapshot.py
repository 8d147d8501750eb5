"""A cache outage never fails a profile save: routing's version bump is best effort, and matching goes on."""

import pytest

from routing import snapshot
from routing.selectors import LeadRequest, partners_match
from tests.routing.factories import routed_partner


class BrokenCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("cache down")

        return fail


@pytest.mark.django_db
def test_profiles_save_and_partners_match_while_the_cache_is_down(monkeypatch):
    monkeypatch.setattr(snapshot, "cache", BrokenCache())
    routed_partner("steady")
    assert [match.slug for match in partners_match(LeadRequest(need="cloud", country="CZ"))] == ["steady"]
    snapshot._state["checked_at"] = 0.0
    assert [match.slug for match in partners_match(LeadRequest(need="cloud", country="CZ"))] == ["steady"]
