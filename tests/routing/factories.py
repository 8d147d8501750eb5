"""Partners with routing preferences, built straight into the database."""

from tests.factories import BusinessProfileFactory, LocationFactory, OrganisationFactory


def routed_partner(slug, *, keywords=("cloud",), sizes=("10-49",), places=(("CZ", "Praha"),), **profile_fields):
    organisation = OrganisationFactory(slug=slug, name=slug.replace("-", " ").title())
    profile = BusinessProfileFactory(
        organisation=organisation, keywords=list(keywords), company_sizes=list(sizes), **profile_fields
    )
    for country, city in places:
        LocationFactory(profile=profile, country=country, city=city)
    return organisation
