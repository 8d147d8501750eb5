"""The log-in backend loads a session's user with membership and organisation in one query, as select_related would."""

from datetime import datetime

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from profiles.backends import MembershipBackend
from profiles.models import Role


@pytest.mark.django_db
def test_member_comes_with_membership_and_organisation_in_one_query(partner_admin, org, django_assert_num_queries):
    partner_admin.last_login = timezone.now()
    partner_admin.save(update_fields=["last_login"])
    expected = type(partner_admin).objects.select_related("membership__organisation").get(pk=partner_admin.pk)

    with django_assert_num_queries(1):
        user = MembershipBackend().get_user(str(partner_admin.pk))  # the session stores the id as text
        assert user.membership.organisation.name == "Contoso Consulting"
        assert user.membership.role == Role.PARTNER_ADMIN and user.membership.is_partner_admin
        assert user.membership.user is user
    assert user == expected and user.username == "contoso-admin"
    assert isinstance(user.last_login, datetime) and timezone.is_aware(user.last_login)
    assert user.last_login == expected.last_login
    assert user.membership.created_at == expected.membership.created_at
    assert user.check_password("x") is False and user.has_usable_password()
    assert not user._state.adding and user._state.db == "default"


@pytest.mark.django_db
def test_user_without_membership_has_none_without_another_query(ops_user, outsider, django_assert_num_queries):
    for someone in (ops_user, outsider):
        with django_assert_num_queries(1):
            user = MembershipBackend().get_user(someone.pk)
            with pytest.raises(ObjectDoesNotExist):
                user.membership  # noqa: B018 - reading it is the test
            assert getattr(user, "membership", None) is None
        assert user.is_staff == someone.is_staff


@pytest.mark.django_db
def test_unknown_inactive_and_malformed_ids_are_no_user(partner_admin):
    assert MembershipBackend().get_user(partner_admin.pk + 1000) is None
    assert MembershipBackend().get_user("not-a-number") is None
    partner_admin.is_active = False
    partner_admin.save(update_fields=["is_active"])
    assert MembershipBackend().get_user(partner_admin.pk) is None


@pytest.mark.django_db
def test_a_request_sees_the_current_role(client, referrals_admin):
    """Nothing about the user is kept between requests: a role changed by an admin applies on the next page."""
    client.force_login(referrals_admin)
    assert client.session[SESSION_KEY] == str(referrals_admin.pk)
    assert 'href="/profile/"' not in client.get("/leads/marketplace/").content.decode()
    referrals_admin.membership.role = Role.PARTNER_ADMIN
    referrals_admin.membership.save(update_fields=["role"])
    assert 'href="/profile/"' in client.get("/leads/marketplace/").content.decode()
