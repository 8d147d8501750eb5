"""Who may do what: the role × action matrix, and other organisations' leads looking exactly like missing ones."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from leads import services
from leads.exceptions import LeadNotFound
from leads.models import LeadEvent, Status
from leads.selectors import lead_get_for, lead_list_for, lead_queryset_for
from tests.factories import AcceptedLeadFactory, LeadFactory

FUTURE = (timezone.now() + timedelta(days=10)).date()
ACTIONS = {
    "accept": (
        LeadFactory,
        lambda lead, by: services.lead_accept(
            lead=lead, by=by, deal_name="D", deal_value="1", estimated_close_date=FUTURE
        ),
    ),
    "decline": (
        LeadFactory,
        lambda lead, by: services.lead_decline(lead=lead, by=by, reason="other", reason_notes="x"),
    ),
    "edit": (AcceptedLeadFactory, lambda lead, by: services.lead_update_deal(lead=lead, by=by, notes="n")),
    "team": (
        AcceptedLeadFactory,
        lambda lead, by: services.lead_add_team_member(lead=lead, by=by, name="N", email="n@p.example"),
    ),
    "win": (AcceptedLeadFactory, lambda lead, by: services.lead_win(lead=lead, by=by)),
    "lose": (
        AcceptedLeadFactory,
        lambda lead, by: services.lead_lose(lead=lead, by=by, reason="other", reason_notes="x"),
    ),
    "favorite": (LeadFactory, lambda lead, by: services.lead_favorite_set(lead=lead, by=by, favorite=True)),
}
MAY_ACT = ["partner_admin", "referrals_admin", "ops_user"]
NOT_FOUND = ["other_admin", "outsider", "inactive_admin", "anonymous"]


@pytest.fixture
def inactive_admin(org):
    from tests.factories import MembershipFactory, UserFactory

    return MembershipFactory(
        user=UserFactory(username="gone", is_active=False), organisation=org, role="partner_admin"
    ).user


@pytest.fixture
def anonymous():
    return AnonymousUser()


@pytest.mark.django_db
@pytest.mark.parametrize("who", MAY_ACT)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_members_of_the_lead_s_organisation_and_ops_may_act(request, org, who, action):
    factory, run = ACTIONS[action]
    lead = factory(partner=org)
    user = request.getfixturevalue(who)
    run(lead, user)
    if action != "favorite":
        assert LeadEvent.objects.get(lead=lead).actor == user


@pytest.mark.django_db
@pytest.mark.parametrize("who", NOT_FOUND)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_everyone_else_finds_no_such_lead_and_changes_nothing(request, org, who, action):
    factory, run = ACTIONS[action]
    lead = factory(partner=org)
    version, status = lead.version, lead.status
    with pytest.raises(LeadNotFound):
        run(lead, request.getfixturevalue(who))
    lead.refresh_from_db()
    assert (lead.version, lead.status) == (version, status)
    assert not LeadEvent.objects.filter(lead=lead).exists()
    assert not lead.favorites.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["partner_admin", "referrals_admin", "outsider"])
def test_only_ops_create_leads(request, org, who):
    with pytest.raises(PermissionDenied):
        services.lead_create(
            by=request.getfixturevalue(who),
            partner=org,
            lead_type="sales_qualified",
            need="x",
            customer={"company": "C", "contact_name": "N", "email": "c@c.example"},
        )
    assert not org.leads.exists()


@pytest.mark.django_db
def test_expiry_is_the_job_s_alone(client, lead, partner_admin, ops_user):
    from leads.transitions import TRANSITIONS, state_machine_transitions

    # No transition a person can run leads to expired: only the job's statement does.
    assert all(transition.target != Status.EXPIRED for transition in state_machine_transitions())
    assert "expire" not in TRANSITIONS
    for user in (partner_admin, ops_user):
        client.force_login(user)
        assert client.post(f"/leads/{lead.pk}/expire/").status_code == 404
    lead.refresh_from_db()
    assert lead.status == Status.RECEIVED


@pytest.mark.django_db
def test_reads_are_scoped_to_the_organisation(org, other_org, partner_admin, other_admin, ops_user, outsider):
    mine = LeadFactory(partner=org)
    theirs = LeadFactory(partner=other_org, status=Status.RECEIVED)
    assert list(lead_queryset_for(partner_admin)) == [mine]
    assert list(lead_list_for(other_admin, tab="marketplace")) == [theirs]
    assert set(lead_queryset_for(ops_user)) == {mine, theirs}
    assert not lead_queryset_for(outsider).exists()
    assert lead_get_for(partner_admin, str(mine.pk)) == mine
    for bad_id in [theirs.pk, "not-a-uuid", "", None, "00000000-0000-0000-0000-000000000000"]:
        with pytest.raises(LeadNotFound):
            lead_get_for(partner_admin, bad_id)
