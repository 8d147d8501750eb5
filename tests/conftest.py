"""Shared fixtures: two partner organisations with both roles, vendor ops staff, and leads."""
import pytest

from profiles.models import Role
from tests.factories import LeadFactory, MembershipFactory, OpsUserFactory, OrganisationFactory, UserFactory


@pytest.fixture
def org(db):
    return OrganisationFactory(name="Contoso Consulting", slug="contoso")


@pytest.fixture
def other_org(db):
    return OrganisationFactory(name="Fabrikam Data", slug="fabrikam")


@pytest.fixture
def partner_admin(org):
    return MembershipFactory(user=UserFactory(username="contoso-admin"), organisation=org, role=Role.PARTNER_ADMIN).user


@pytest.fixture
def referrals_admin(org):
    return MembershipFactory(user=UserFactory(username="contoso-referrals"), organisation=org,
                             role=Role.REFERRALS_ADMIN).user


@pytest.fixture
def other_admin(other_org):
    return MembershipFactory(user=UserFactory(username="fabrikam-admin"), organisation=other_org,
                             role=Role.PARTNER_ADMIN).user


@pytest.fixture
def ops_user(db):
    return OpsUserFactory(username="ops")


@pytest.fixture
def outsider(db):
    """Logged in, but neither staff nor a member of any organisation."""
    return UserFactory(username="outsider")


@pytest.fixture
def lead(org):
    return LeadFactory(partner=org)
