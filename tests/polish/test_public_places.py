"""Issue 19 item 6 on the public pages: the directory and a partner's page name each office's country in the
viewer's language ("Berlin, Germany" / "Berlin, Německo"), never its ISO code ("Berlin, DE")."""

import re

import pytest

from tests.factories import BusinessProfileFactory, LocationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(org):
    profile = BusinessProfileFactory(organisation=org)
    LocationFactory(profile=profile, country="DE", city="Berlin")
    LocationFactory(profile=profile, country="CZ", city="Brno")
    return profile


def places(html: str, pattern: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", found).split()) for found in re.findall(pattern, html, re.S)]


@pytest.mark.parametrize(
    "language, germany, czechia", [("en", "Berlin, Germany", "Brno, Czechia"), ("cs", "Berlin, Německo", "Brno, Česko")]
)
def test_offices_show_country_names_in_the_viewers_language(client, listed, language, germany, czechia):
    directory = client.get("/partners/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    meta = re.search(r'data-partner="contoso".*?<p class="partner-meta">\s*<span>(.*?)</span>', directory, re.S)
    assert sorted(meta.group(1).split(" · ")) == sorted([germany, czechia])
    page = client.get("/partners/contoso/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    offices = re.search(r'<ul class="locations" role="list">(.*?)</ul>', page, re.S).group(1)
    assert sorted(places(offices, r"<li>(.*?)</li>")) == sorted([germany, czechia])
    assert ", DE" not in directory + page and ", CZ" not in directory + page
