"""partners_match against the database: the chain is never revisited, and profile edits show at once."""

import pytest

from profiles.services import profile_update
from routing import snapshot
from routing.selectors import LeadRequest, partners_match
from tests.routing.factories import routed_partner

REQUEST = LeadRequest(need="Cloud backup", country="CZ", company_size="10-49", lead_type="sales_qualified")


@pytest.mark.django_db
def test_partners_already_tried_in_the_chain_are_never_offered_again():
    first, second, third = (routed_partner(slug) for slug in ("first", "second", "third"))
    assert {match.slug for match in partners_match(REQUEST)} == {"first", "second", "third"}
    assert [match.slug for match in partners_match(REQUEST, exclude={first.pk, third.pk})] == ["second"]
    assert partners_match(REQUEST, exclude={first.pk, second.pk, third.pk}) == []


@pytest.mark.django_db
def test_a_partner_that_pauses_or_excludes_a_keyword_is_not_matched_from_the_next_request(partner_admin, org):
    routed_partner("steady")
    profile_update(
        organisation=org,
        by=partner_admin,
        description="",
        keywords=["cloud"],
        company_sizes=["10-49"],
        industries=[],
        locations=[{"country": "CZ", "city": "Praha", "contact_name": "A", "contact_email": "a@contoso.example"}],
    )
    assert {match.slug for match in partners_match(REQUEST)} == {"steady", "contoso"}
    profile_update(
        organisation=org,
        by=partner_admin,
        description="",
        keywords=["cloud"],
        company_sizes=[],
        industries=[],
        excluded_keywords=["backup"],
        locations=[{"country": "CZ", "city": "Praha", "contact_name": "A", "contact_email": "a@contoso.example"}],
    )
    assert [match.slug for match in partners_match(REQUEST)] == ["steady"]
    assert [match.slug for match in partners_match(LeadRequest(need="cloud", country="CZ"))] == ["contoso", "steady"]
    profile_update(
        organisation=org,
        by=partner_admin,
        description="",
        keywords=["cloud"],
        company_sizes=[],
        industries=[],
        accepting_leads=False,
        locations=[{"country": "CZ", "city": "Praha", "contact_name": "A", "contact_email": "a@contoso.example"}],
    )
    assert [match.slug for match in partners_match(LeadRequest(need="cloud", country="CZ"))] == ["steady"]


@pytest.mark.django_db
def test_another_process_sees_a_change_once_the_shared_version_moves():
    from django.core.cache import cache

    from profiles.models import BusinessProfile, Location, Organisation

    routed_partner("steady")
    assert [match.slug for match in partners_match(REQUEST)] == ["steady"]
    # Written without signals (as bulk seeding does): this process's snapshot does not know the newcomer.
    newcomer = Organisation.objects.bulk_create([Organisation(name="Newcomer", slug="newcomer")])[0]
    profile = BusinessProfile.objects.bulk_create([BusinessProfile(organisation=newcomer, keywords=["cloud"])])[0]
    Location.objects.bulk_create(
        [Location(profile=profile, country="CZ", city="Brno", contact_name="N", contact_email="n@newcomer.example")]
    )
    snapshot._state["checked_at"] = 0.0
    assert [match.slug for match in partners_match(REQUEST)] == ["steady"]
    cache.incr(snapshot.VERSION_KEY)  # another process's partners_changed()
    snapshot._state["checked_at"] = 0.0  # a second later, this process checks the version again
    assert {match.slug for match in partners_match(REQUEST)} == {"steady", "newcomer"}


@pytest.mark.django_db
def test_limit_returns_the_best_first(django_assert_max_num_queries):
    for number in range(12):
        routed_partner(f"partner-{number:02d}", median_response_hours=float(number * 10))
    partners_match(REQUEST)
    with django_assert_max_num_queries(3):  # version check is in the cache; capacity and statistics: one each
        matches = partners_match(REQUEST, limit=3)
    assert [match.slug for match in matches] == ["partner-00", "partner-01", "partner-02"]
    assert matches[0].score > matches[1].score > matches[2].score
