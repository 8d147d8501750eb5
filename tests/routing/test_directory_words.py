"""The directory says how quickly a partner answers in words a customer reads, in the customer's language."""

import pytest
from django.utils import translation

from profiles.responsiveness import responsiveness_text
from tests.factories import BusinessProfileFactory, LocationFactory, OrganisationFactory


@pytest.mark.parametrize(
    "hours, english, czech",
    [
        (None, "No answers yet.", "Zatím bez odpovědí."),
        (0.5, "Usually answers within a few hours.", "Obvykle odpoví do několika hodin."),
        (6, "Usually answers within a few hours.", "Obvykle odpoví do několika hodin."),
        (6.5, "Usually answers within a day.", "Obvykle odpoví do jednoho dne."),
        (24, "Usually answers within a day.", "Obvykle odpoví do jednoho dne."),
        (50, "Usually answers within 3 days.", "Obvykle odpoví do 3 dnů."),
        (168, "Usually answers within a week.", "Obvykle odpoví do týdne."),
        (169, "Rarely answers quickly.", "Rychle odpovídá jen zřídka."),
    ],
)
def test_the_median_response_time_in_words(hours, english, czech):
    with translation.override("en"):
        assert responsiveness_text(hours) == english
    with translation.override("cs"):
        assert responsiveness_text(hours) == czech


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, words", [("en", "Usually answers within a week."), ("cs", "Obvykle odpoví do týdne.")]
)
def test_directory_and_partner_page_say_the_words_not_hours(client, language, words):
    # A fixed name and address: the factory numbers them, and its count reaches 144 when enough tests ran before.
    organisation = OrganisationFactory(slug="slowpoke", name="Slowpoke Ltd")
    profile = BusinessProfileFactory(organisation=organisation, median_response_hours=144.0)
    LocationFactory(profile=profile, contact_email="alerts@slowpoke.example")
    headers = {"Accept-Language": language}
    for url in ("/partners/", "/partners/slowpoke/"):
        html = client.get(url, headers=headers).content.decode()
        assert words in html and "144" not in html
