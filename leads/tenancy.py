"""Whose leads a user may reach, decided once: every read (leads.selectors), every transition's permission
(Lead's state machine) and the hand-written count statement apply this scope and nothing else."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# Who asks for a read or a write: a user (or nobody, for the jobs and the public contact form).
Actor = AbstractBaseUser | AnonymousUser | None

ALL_PARTNERS = object()  # vendor ops staff see every partner's leads


def partner_scope(user: Actor):
    """ALL_PARTNERS (vendor ops staff), one organisation id (a partner member), or None (nobody's leads)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_staff:
        return ALL_PARTNERS
    membership = getattr(user, "membership", None)
    return None if membership is None else membership.organisation_id


def may_act_on(lead, user: Actor) -> bool:
    """The transition permission: the lead is within the user's scope."""
    scope = partner_scope(user)
    return scope is ALL_PARTNERS or (scope is not None and scope == lead.partner_id)
