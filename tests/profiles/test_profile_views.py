"""The business-profile editor at /profile/: partner admins edit it and see the members; nobody else can."""

import pytest

from profiles.models import BusinessProfile
from tests.factories import BusinessProfileFactory, LocationFactory


def location(index, **overrides):
    values = {
        "country": "cz",
        "city": "Brno",
        "contact_name": "Alena Alert",
        "contact_email": f"alerts{index}@contoso.example",
        "contact_phone": "+420 1",
    }
    values.update(overrides)
    return {f"locations-{index}-{field}": value for field, value in values.items()}


def profile_data(**overrides):
    data = {
        "description": "Cloud for SMBs",
        "keywords": "cloud, Azure, cloud ,  backup",
        "company_sizes": ["10-49", "1-9"],
        "industries": "Retail, Legal",
        **location(0),
    }
    data.update(overrides)
    return data


@pytest.fixture
def profile(org):
    profile = BusinessProfileFactory(organisation=org)
    LocationFactory(profile=profile, city="Praha", contact_name="Old Contact")
    return profile


@pytest.mark.django_db
def test_partner_admin_sees_the_editor_and_the_members_with_roles(client, partner_admin, referrals_admin, profile):
    client.force_login(partner_admin)
    html = client.get("/profile/").content.decode()
    assert 'id="profile-editor"' in html and "Cloud and data consulting." in html
    assert 'value="cloud, data"' in html and 'value="Praha"' in html
    assert "contoso-admin" in html and "contoso-referrals" in html
    assert "Partner admin" in html and "Referrals admin" in html


@pytest.mark.django_db
def test_referrals_admin_cannot_edit_profile(client, referrals_admin, profile):
    client.force_login(referrals_admin)
    response = client.get("/profile/")
    assert response.status_code == 403 and 'id="profile-editor"' not in response.content.decode()
    assert client.post("/profile/", profile_data()).status_code == 403
    assert BusinessProfile.objects.get(pk=profile.pk).description == "Cloud and data consulting."


@pytest.mark.django_db
def test_anonymous_and_non_members_cannot_reach_the_profile(client, outsider):
    assert client.get("/profile/").status_code == 302
    client.force_login(outsider)
    assert client.get("/profile/").status_code == 403


@pytest.mark.django_db
def test_saving_replaces_the_profile_and_its_locations(client, partner_admin, profile):
    client.force_login(partner_admin)
    data = profile_data(
        **location(3, country="de", city="Berlin", contact_email="berlin@contoso.example"),
        **{
            f"locations-7-{field}": ""
            for field in ("country", "city", "contact_name", "contact_email", "contact_phone")
        },
    )
    response = client.post("/profile/", data)
    assert response.status_code == 302 and response.url == "/profile/"
    profile = BusinessProfile.objects.get(pk=profile.pk)
    assert profile.description == "Cloud for SMBs"
    assert profile.keywords == ["cloud", "Azure", "backup"]
    assert profile.company_sizes == ["1-9", "10-49"] and profile.industries == ["Retail", "Legal"]
    assert [(place.country, place.city) for place in profile.locations.all()] == [("CZ", "Brno"), ("DE", "Berlin")]
    assert "Business profile saved." in client.get("/profile/").content.decode()


@pytest.mark.django_db
def test_first_save_creates_the_profile(client, partner_admin, org):
    client.force_login(partner_admin)
    assert client.post("/profile/", profile_data()).status_code == 302
    assert BusinessProfile.objects.get(organisation=org).locations.count() == 1


@pytest.mark.django_db
def test_bad_input_shows_errors_keeps_input_and_changes_nothing(client, partner_admin, profile):
    client.force_login(partner_admin)
    data = profile_data(**location(0, contact_email="not-an-email", country="Czechia"), company_sizes=["10-49", "huge"])
    response = client.post("/profile/", data)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Enter a valid email address." in html and 'value="not-an-email"' in html
    assert "Select a valid choice" in html and "Cloud for SMBs" in html
    profile = BusinessProfile.objects.get(pk=profile.pk)
    assert profile.description == "Cloud and data consulting." and profile.locations.get().city == "Praha"


@pytest.mark.django_db
def test_a_profile_needs_at_least_one_location(client, partner_admin, profile):
    client.force_login(partner_admin)
    data = {key: value for key, value in profile_data().items() if not key.startswith("locations-")}
    response = client.post("/profile/", data)
    assert response.status_code == 422 and "Add at least one location" in response.content.decode()
    assert BusinessProfile.objects.get(pk=profile.pk).locations.count() == 1


@pytest.mark.django_db
def test_profile_update_service_refuses_another_organisations_admin(other_admin, profile):
    from django.core.exceptions import PermissionDenied

    from profiles.services import profile_update

    with pytest.raises(PermissionDenied):
        profile_update(
            organisation=profile.organisation,
            by=other_admin,
            description="x",
            keywords=[],
            company_sizes=[],
            industries=[],
            locations=[{"country": "CZ", "city": "Brno", "contact_name": "A", "contact_email": "a@b.cz"}],
        )
    assert BusinessProfile.objects.get(pk=profile.pk).description == "Cloud and data consulting."
