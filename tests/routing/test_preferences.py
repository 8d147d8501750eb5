"""Routing preferences on the business profile: validated by profile_update, edited at /profile/ in EN and CS."""

import pytest
from django.core.exceptions import ValidationError

from profiles.models import BusinessProfile
from profiles.services import profile_update
from tests.factories import BusinessProfileFactory, LocationFactory

LOCATION = {"country": "CZ", "city": "Brno", "contact_name": "Alena", "contact_email": "alena@contoso.example"}


@pytest.fixture
def profile(org):
    profile = BusinessProfileFactory(organisation=org)
    LocationFactory(profile=profile)
    return profile


def update(org, by, **preferences):
    return profile_update(
        organisation=org,
        by=by,
        description="d",
        keywords=["cloud"],
        company_sizes=[],
        industries=[],
        locations=[LOCATION],
        **preferences,
    )


@pytest.mark.django_db
def test_preferences_are_saved_with_keywords_trimmed_and_deduplicated_ignoring_case(org, partner_admin, profile):
    update(
        org,
        partner_admin,
        accepting_leads=False,
        monthly_capacity=" 12 ",
        excluded_keywords=["  SAP ", "sap", "Hardware", "", "hardware ", "Power BI"],
    )
    profile = BusinessProfile.objects.get(pk=profile.pk)
    assert profile.accepting_leads is False and profile.monthly_capacity == 12
    assert profile.excluded_keywords == ["SAP", "Hardware", "Power BI"]


@pytest.mark.django_db
@pytest.mark.parametrize("empty", [None, "", "  "])
def test_an_empty_capacity_means_no_limit(org, partner_admin, profile, empty):
    BusinessProfile.objects.filter(pk=profile.pk).update(monthly_capacity=5)
    update(org, partner_admin, monthly_capacity=empty)
    assert BusinessProfile.objects.get(pk=profile.pk).monthly_capacity is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "preferences, field",
    [
        ({"monthly_capacity": 0}, "monthly_capacity"),
        ({"monthly_capacity": "-3"}, "monthly_capacity"),
        ({"monthly_capacity": "2.5"}, "monthly_capacity"),
        ({"monthly_capacity": "ten"}, "monthly_capacity"),
        ({"monthly_capacity": True}, "monthly_capacity"),
        ({"monthly_capacity": "1000001"}, "monthly_capacity"),
        ({"excluded_keywords": ["x" * 61]}, "excluded_keywords"),
        ({"excluded_keywords": [f"term {n}" for n in range(51)]}, "excluded_keywords"),
        ({"excluded_keywords": ["bad\x00"]}, "excluded_keywords"),
    ],
)
def test_bad_preferences_are_refused_naming_the_field_and_nothing_changes(
    org, partner_admin, profile, preferences, field
):
    with pytest.raises(ValidationError) as error:
        update(org, partner_admin, **preferences)
    assert list(error.value.message_dict) == [field]
    saved = BusinessProfile.objects.get(pk=profile.pk)
    assert saved.description == "Cloud and data consulting." and saved.monthly_capacity is None


@pytest.mark.django_db
def test_fifty_excluded_keywords_of_sixty_characters_are_accepted(org, partner_admin, profile):
    terms = [f"{n:02d}" + "x" * 58 for n in range(50)]
    update(org, partner_admin, excluded_keywords=terms)
    assert BusinessProfile.objects.get(pk=profile.pk).excluded_keywords == terms


def form_data(**overrides):
    data = {
        "description": "Cloud",
        "keywords": "cloud",
        "industries": "",
        "monthly_capacity": "8",
        "excluded_keywords": "SAP, hardware, sap",
        "accepting_leads": "on",
        **{f"locations-0-{field}": value for field, value in LOCATION.items()},
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_partner_admin_edits_the_preferences_on_the_profile_page(client, partner_admin, profile):
    client.force_login(partner_admin)
    html = client.get("/profile/").content.decode()
    assert 'id="routing-preferences"' in html and 'name="accepting_leads"' in html and "checked" in html
    assert client.post("/profile/", form_data()).status_code == 302
    saved = BusinessProfile.objects.get(pk=profile.pk)
    assert (saved.accepting_leads, saved.monthly_capacity, saved.excluded_keywords) == (True, 8, ["SAP", "hardware"])
    html = client.get("/profile/").content.decode()
    assert 'value="8"' in html and 'value="SAP, hardware"' in html
    data = form_data(monthly_capacity="")
    del data["accepting_leads"]
    assert client.post("/profile/", data).status_code == 302
    saved = BusinessProfile.objects.get(pk=profile.pk)
    assert saved.accepting_leads is False and saved.monthly_capacity is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, texts",
    [
        (
            "en",
            [
                "Lead routing",
                "Monthly capacity",
                "Excluded keywords",
                "Enter a positive whole number, or leave it empty for no limit.",
            ],
        ),
        (
            "cs",
            [
                "Přidělování leadů",
                "Měsíční kapacita",
                "Vyloučená klíčová slova",
                "Zadejte kladné celé číslo, nebo pole nechte prázdné (bez omezení).",
            ],
        ),
    ],
)
def test_a_bad_capacity_is_shown_beside_its_field_in_the_users_language(
    client, partner_admin, profile, language, texts
):
    client.force_login(partner_admin)
    response = client.post("/profile/", form_data(monthly_capacity="0"), headers={"Accept-Language": language})
    html = response.content.decode()
    assert response.status_code == 422
    assert all(text in html for text in texts), [text for text in texts if text not in html]
    assert BusinessProfile.objects.get(pk=profile.pk).monthly_capacity is None
